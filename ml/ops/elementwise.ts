// Elementwise operators: broadcasting arithmetic, unary math, activations, comparisons.
import type { DType } from '../dtype.ts';
import type { ValueInfo } from '../ir.ts';
import { broadcastShapes, mapBroadcast } from './util.ts';
import type { InferCtx, OpDef } from './types.ts';

/** Same dtype for all inputs, shapes broadcast; the output takes `outDtype` or the inputs' dtype. */
function inferBroadcast(ctx: InferCtx, outDtype?: DType): ValueInfo[] {
  const ins = ctx.inputs.filter((v): v is ValueInfo => v !== null);
  let shape: number[] = [];
  for (const v of ins) {
    if (v.dtype !== ins[0].dtype) ctx.fail(`inputs have different types: ${ins.map((i) => i.dtype).join(', ')}`);
    const s = broadcastShapes(shape, v.shape);
    if (!s) ctx.fail(`shapes ${ins.map((i) => `[${i.shape}]`).join(' and ')} do not broadcast`);
    shape = s;
  }
  return [{ dtype: outDtype ?? ins[0].dtype, shape }];
}

const binary = (f: (a: number, b: number) => number): OpDef => ({
  attrs: {},
  infer: (ctx) => inferBroadcast(ctx),
  fold: (ins, ctx) => [mapBroadcast([ins[0]!, ins[1]!], ctx.inputs[0]!.dtype, f)],
});

const unary = (f?: (a: number) => number, attrs: OpDef['attrs'] = {}): OpDef => ({
  attrs,
  infer: (ctx) => [{ ...ctx.in(0), shape: [...ctx.in(0).shape] }],
  fold: f ? (ins, ctx) => [mapBroadcast([ins[0]!], ctx.inputs[0]!.dtype, f)] : undefined,
});

const isInt = (d: DType) => d === 'int64' || d === 'int32' || d === 'int8' || d === 'uint8';

export const elementwise: Record<string, OpDef> = {
  Identity: unary((a) => a),
  Add: binary((a, b) => a + b),
  Sub: binary((a, b) => a - b),
  Mul: binary((a, b) => a * b),
  Div: {
    attrs: {},
    infer: (ctx) => inferBroadcast(ctx),
    fold: (ins, ctx) => {
      const int = isInt(ctx.inputs[0]!.dtype);
      return [mapBroadcast([ins[0]!, ins[1]!], ctx.inputs[0]!.dtype, int ? (a, b) => Math.trunc(a / b) : (a, b) => a / b)];
    },
  },
  Neg: unary((a) => -a),
};
