// Run code of the Seed / Noise node, declared in ./seed-noise.ts (the editor loads the declaration alone).
import { f32 } from '../ml/tensor.ts';
import { implementNode } from '../runtime/index.ts';
import spec from './seed-noise.ts';

/** mulberry32: tiny, fast, and the same sequence in every JS engine. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Yield to the event loop so an abort (or a message from the host) gets through. */
const tick = () => new Promise<void>((r) => setTimeout(r, 0));

export default implementNode(spec, async ({ params, signal, progress }) => {
  const { batch, channels, width, height } = params;
  const rand = mulberry32(params.seed);
  const latent = new Float32Array(batch * channels * height * width);
  const image = new Float32Array(batch * 3 * height * width);
  const rows = batch * height;
  let last = performance.now();
  for (let r = 0; r < rows; r++) {
    const b = Math.floor(r / height);
    const y = r % height;
    for (let c = 0; c < channels; c++)
      for (let x = 0; x < width; x++) {
        // Box–Muller; 1 - u keeps log away from zero.
        const u = 1 - rand();
        const v = rand();
        latent[((b * channels + c) * height + y) * width + x] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
      }
    for (let c = 0; c < 3; c++) for (let x = 0; x < width; x++) image[((b * 3 + c) * height + y) * width + x] = rand();
    if (performance.now() - last > 20) {
      progress(r + 1, rows);
      await tick();
      signal.throwIfAborted();
      last = performance.now();
    }
  }
  progress(rows, rows);
  return {
    latent: { kind: 'latent', space: 'noise', tensor: f32([batch, channels, height, width], latent) },
    image: { kind: 'image', tensor: f32([batch, 3, height, width], image) },
  };
});
