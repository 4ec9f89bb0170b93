// Shape operators: reshaping, indexing, concatenation, and the shape arithmetic exporters emit.
import { sizeOf, tensor, toNumbers, type Tensor } from '../tensor.ts';
import type { OpDef } from './types.ts';

export const shapeOps: Record<string, OpDef> = {
  ConstantOfShape: {
    attrs: { value: 'tensor' },
    infer: (ctx) => {
      const shape = ctx.constInts(0, 'shape');
      if (shape.some((d) => d < 0)) ctx.fail(`negative dimension in [${shape}]`);
      const v = ctx.attr<Tensor>('value');
      return [{ dtype: v?.dtype ?? 'float32', shape }];
    },
    fold: (ins, ctx) => {
      const shape = toNumbers(ins[0]!);
      const v = ctx.node.attrs.value as Tensor | undefined;
      const out = tensor(v?.dtype ?? 'float32', shape);
      if (v) (out.data as Float32Array).fill(v.data[0] as never);
      return [out];
    },
  },
  Reshape: {
    attrs: { allowzero: 'int' },
    infer: (ctx) => {
      const x = ctx.in(0);
      const spec = ctx.constInts(1, 'shape');
      const allowzero = ctx.attr('allowzero', 0);
      const shape = spec.map((d, i) => (d === 0 && !allowzero ? x.shape[i] : d));
      const known = shape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
      const holes = shape.filter((d) => d === -1).length;
      if (holes > 1) ctx.fail(`shape [${spec}] has more than one -1`);
      if (holes) {
        if (known === 0 || sizeOf(x.shape) % known) ctx.fail(`cannot reshape [${x.shape}] to [${spec}]`);
        shape[shape.indexOf(-1)] = sizeOf(x.shape) / known;
      }
      if (sizeOf(shape) !== sizeOf(x.shape)) ctx.fail(`cannot reshape [${x.shape}] (${sizeOf(x.shape)} elements) to [${spec}]`);
      return [{ dtype: x.dtype, shape }];
    },
    fold: (ins, ctx) => {
      const out = shapeOps.Reshape.infer(ctx)[0];
      return [{ dtype: ins[0]!.dtype, shape: out.shape, data: ins[0]!.data.slice() }];
    },
  },
};
