// The engine's public face. Everything here runs in browsers, Web Workers and Node alike.
// The two runtimes are separate entry points, so a bundle pulls in only the one it uses:
//   ml/session/node.ts → nodeBackend (onnxruntime-node)
//   ml/session/web.ts  → webBackend, configureWasm (onnxruntime-web)

export { allocate, BYTES_PER_ELEMENT, isFloat, type DType, type TypedArray } from './dtype.ts';
export { f32, i64, sizeOf, tensor, toNumbers, type Tensor } from './tensor.ts';
export { randn, Rng, uniform } from './random.ts';

export { emptyGraph, fmtShape, OPSET, withDefaults, type AttrValue, type Graph, type OpNode, type ValueInfo } from './ir.ts';
export { GraphBuilder, Value, type OpOptions } from './builder.ts';
export { ShapeError } from './ops/types.ts';
export { supportedOps } from './ops/registry.ts';

export { grad, UnsupportedOpsError, type GradOptions } from './grad/grad.ts';
export { checkGradients, describeFailures, type GradCheckOptions, type GradCheckResult } from './grad/check.ts';
export { NON_DIFFERENTIABLE, REQUIRED_DIFFERENTIABLE } from './grad/rules.ts';

export { toOnnxBytes, decodeOnnx, type WriteOptions } from './onnx/serialize.ts';
export { importOnnx, MAX_OPSET, MIN_OPSET, UnsupportedOperatorsError, type ImportOptions } from './onnx/import.ts';
export { externalFromFiles, modelExternalFiles, type ExternalDataReader } from './onnx/external-data.ts';

export { ortBackend, type Backend, type Session, type SessionOptions } from './session/session.ts';
export { SessionCache } from './session/session-cache.ts';

export {
  readSafetensors,
  readSafetensorsHeader,
  readTensor,
  SafetensorsError,
  safetensorsHeaderLength,
  writeSafetensors,
  type SafetensorsHeader,
} from './safetensors.ts';

export { Sgd, type SgdOptions } from './optim/sgd.ts';
export { Adam, AdamW, type AdamOptions } from './optim/adam.ts';
export { clipGradNorm, clipGradValue, globalNorm } from './optim/clip.ts';
export { OptimizerError, type Optimizer } from './optim/optimizer.ts';
export { constantLr, cosineDecay, linearWarmup, warmupCosine, type Schedule } from './optim/schedule.ts';

export { Params, joinPath, type ParamInfo } from './nn/params.ts';
export { Module, type Parent } from './nn/module.ts';
export { Linear, linear, type LinearOptions } from './nn/linear.ts';
export { Conv2d, conv2d, ConvTranspose2d, type Conv2dOptions, type ConvTranspose2dOptions } from './nn/conv.ts';
export { GroupNorm, LayerNorm, type GroupNormOptions, type LayerNormOptions } from './nn/norm.ts';
export { ResBlock } from './nn/res-block.ts';
export { freezeWeights } from './nn/freeze.ts';
export { Embedding } from './nn/embedding.ts';
export { Attention, type AttentionOptions } from './nn/attention.ts';
export { gelu, silu } from './nn/activation.ts';
export { concatChannels, l1Loss, mseLoss, upsampleNearest } from './nn/functional.ts';
export { baseNames, injectLora, loraAdapters, loraNames, mergeLora, type LoraOptions } from './nn/lora.ts';
export { Trainer, type TrainerOptions } from './train/trainer.ts';
