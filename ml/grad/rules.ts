// All gradient rules in one table, keyed by operator. Each rule is a pure function of the
// node and its output gradients that appends ordinary ONNX operators to the graph.
import { convRules } from './conv.ts';
import { elementwiseRules } from './elementwise.ts';
import { linalgRules } from './linalg.ts';
import { normalizationRules } from './normalization.ts';
import { reduceRules } from './reduce.ts';
import { shapeRules } from './shape.ts';
import type { GradRule } from './types.ts';
import { zooRules } from './zoo.ts';

export const RULES: Record<string, GradRule> = {
  ...elementwiseRules,
  ...linalgRules,
  ...convRules,
  ...normalizationRules,
  ...reduceRules,
  ...shapeRules,
  ...zooRules,
};

/** Operators through which no gradient flows: shape arithmetic, constants, comparisons, index results. */
export const NON_DIFFERENTIABLE = new Set([
  'Shape', 'Size', 'Constant', 'ConstantOfShape', 'Range', 'EyeLike',
  'Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'Not', 'And', 'Or', 'Xor',
  'ArgMax', 'ArgMin', 'Hardmax', 'NonZero', 'IsNaN', 'IsInf', 'Sign', 'Floor', 'Ceil', 'Round',
  'RandomNormal', 'RandomUniform', 'RandomNormalLike', 'RandomUniformLike', 'Bernoulli', 'Multinomial',
]);

/** The operators the product promises gradients for (checked by the tests). */
export const REQUIRED_DIFFERENTIABLE = [
  'Conv', 'ConvTranspose', 'Gemm', 'MatMul', 'Add', 'Sub', 'Mul', 'Div', 'Neg', 'Abs', 'Pow', 'Sqrt',
  'Exp', 'Log', 'Erf', 'Relu', 'LeakyRelu', 'Sigmoid', 'Tanh', 'Softmax', 'LayerNormalization',
  'InstanceNormalization', 'ReduceMean', 'ReduceSum', 'ReduceMax', 'Reshape', 'Flatten', 'Transpose',
  'Concat', 'Split', 'Slice', 'Gather', 'Squeeze', 'Unsqueeze', 'Expand', 'Pad', 'Resize',
  'AveragePool', 'Where', 'Clip', 'Identity', 'Cast',
  // Model-zoo operators (ml/ops/zoo.ts) and the indexed gathers and scatters.
  'BatchNormalization', 'LRN', 'GlobalAveragePool', 'GlobalMaxPool', 'MaxPool', 'Sum', 'Mean', 'Max', 'Min',
  'PRelu', 'Elu', 'Selu', 'HardSigmoid', 'HardSwish', 'Softsign', 'Einsum', 'CumSum', 'GatherElements',
  'ScatterND', 'ScatterElements', 'Trilu',
] as const;
