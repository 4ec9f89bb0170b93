// Run code of the Blend node, declared in ./blend.ts (the editor loads the declaration alone).
import { f32 } from '../ml/tensor.ts';
import { implementNode } from '../runtime/index.ts';
import spec from './blend.ts';

const MODES = {
  mix: (_a: number, b: number) => b,
  add: (a: number, b: number) => Math.min(1, a + b),
  multiply: (a: number, b: number) => a * b,
  screen: (a: number, b: number) => 1 - (1 - a) * (1 - b),
  difference: (a: number, b: number) => Math.abs(a - b),
} as const;

export default implementNode(spec, async ({ inputs, params, signal }) => {
  const a = inputs.a.tensor;
  const b = inputs.b.tensor;
  const [na, ca, ha, wa] = a.shape;
  const [nb, cb, hb, wb] = b.shape;
  if (ca !== cb || ha !== hb || wa !== wb)
    throw new Error(`Blend needs images of one size, got ${wa}×${ha}×${ca} and ${wb}×${hb}×${cb}; put a Resize/Crop before it`);
  if (na !== nb && na !== 1 && nb !== 1) throw new Error(`Blend pairs batches of ${na} and ${nb}; they must match or one must be 1`);
  const n = Math.max(na, nb);
  const item = ca * ha * wa;
  const out = new Float32Array(n * item);
  const da = a.data as Float32Array;
  const db = b.data as Float32Array;
  const f = MODES[params.mode];
  const t = params.alpha;
  for (let i = 0; i < n; i++) {
    signal.throwIfAborted();
    const oa = (na === 1 ? 0 : i) * item;
    const ob = (nb === 1 ? 0 : i) * item;
    for (let k = 0; k < item; k++) {
      const x = da[oa + k];
      out[i * item + k] = x * (1 - t) + t * f(x, db[ob + k]);
    }
  }
  return { image: { kind: 'image', tensor: f32([n, ca, ha, wa], out) } };
});
