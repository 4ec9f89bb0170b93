// VQ: the nearest code by Euclidean distance, the codebook and commitment losses as their formulas
// give them, and gradients that reach only what each term is meant to move.
import { describe, expect, it } from 'vitest';
import { grad, GraphBuilder, Params, randn, Rng, type Tensor, toOnnxBytes } from '../../ml/index.ts';
import { backend } from '../../ml/nn/testing.ts';
import { VectorQuantizer } from './vq.ts';

const [B, D, H, W, K, BETA] = [2, 3, 2, 3, 7, 0.25];
const N = B * H * W;

/** The quantizer on z [B, D, H, W], its outputs, and the gradients of `loss` w.r.t. z and the codebook. */
async function runVq(loss: 'codebook' | 'commitment' | 'st', z: Tensor, codebook: Tensor, r: Tensor) {
  const b = new GraphBuilder('vq');
  const p = new Params(b);
  const vq = new VectorQuantizer(p, 'vq', K, D, BETA);
  const zin = b.input('z', 'float32', [B, D, H, W]);
  const rin = b.input('r', 'float32', [B, D, H, W]);
  const q = vq.forward(zin);
  b.output(q.indices, 'indices');
  b.output(q.codes, 'codes');
  b.output(q.codebookLoss, 'codebook');
  b.output(q.commitmentLoss, 'commitment');
  const st = b.op1('ReduceSum', [b.op1('Mul', [q.codes, rin]), b.ints([0, 1, 2, 3])], { keepdims: 0 });
  b.output(st, 'st');
  const g = grad(b.build(), { loss, wrt: ['z', 'vq.codebook'] });
  const s = await backend.create(toOnnxBytes(g));
  try {
    return await s.run({ z, r, 'vq.codebook': codebook });
  } finally {
    await s.release();
  }
}

/** Row n of z as a vector (token n = image ⌊n/HW⌋, position n mod HW). */
const row = (z: Float32Array, n: number) => Array.from({ length: D }, (_, d) => z[(Math.floor(n / (H * W)) * D + d) * H * W + (n % (H * W))]);
const dist2 = (a: number[], e: Float32Array, k: number) => a.reduce((s, v, d) => s + (v - e[k * D + d]) ** 2, 0);

describe('vector quantizer', () => {
  const z = randn([B, D, H, W], new Rng(1));
  const E = randn([K, D], new Rng(2));
  const r = randn([B, D, H, W], new Rng(3));
  const zs = z.data as Float32Array;
  const es = E.data as Float32Array;
  const nearest = Array.from({ length: N }, (_, n) => {
    let best = 0;
    for (let k = 1; k < K; k++) if (dist2(row(zs, n), es, k) < dist2(row(zs, n), es, best)) best = k;
    return best;
  });

  it('picks the nearest code and hands the decoder that code', async () => {
    const out = await runVq('st', z, E, r);
    expect(out.indices.shape).toEqual([B, H * W]);
    expect(Array.from(out.indices.data as BigInt64Array, Number)).toEqual(nearest);
    const codes = out.codes.data as Float32Array;
    for (let n = 0; n < N; n++) {
      const got = row(codes, n);
      got.forEach((v, d) => expect(v).toBeCloseTo(es[nearest[n] * D + d], 5));
    }
    // Straight through: the code's gradient goes to z unchanged, none to the codebook.
    expect(Array.from(out.z_grad.data as Float32Array)).toEqual(Array.from(r.data as Float32Array));
    expect((out['vq.codebook_grad'].data as Float32Array).every((v) => v === 0)).toBe(true);
  });

  it('computes mean‖sg(z) − e‖² (moving the codebook only) and β·mean‖z − sg(e)‖² (moving z only)', async () => {
    const mean = nearest.reduce((s, k, n) => s + dist2(row(zs, n), es, k), 0) / (N * D);
    const cb = await runVq('codebook', z, E, r);
    expect((cb.codebook.data as Float32Array)[0]).toBeCloseTo(mean, 5);
    expect((cb.commitment.data as Float32Array)[0]).toBeCloseTo(BETA * mean, 5);
    // d/de_k = Σ over the tokens assigned to k of 2(e_k − z_n)/(N·D); nothing reaches z.
    const expectE = new Float32Array(K * D);
    nearest.forEach((k, n) => row(zs, n).forEach((v, d) => (expectE[k * D + d] += (2 * (es[k * D + d] - v)) / (N * D))));
    Array.from(cb['vq.codebook_grad'].data as Float32Array).forEach((v, i) => expect(v).toBeCloseTo(expectE[i], 5));
    expect((cb.z_grad.data as Float32Array).every((v) => v === 0)).toBe(true);

    const cm = await runVq('commitment', z, E, r);
    const gz = cm.z_grad.data as Float32Array;
    for (let n = 0; n < N; n++) row(zs, n).forEach((v, d) => expect(row(gz, n)[d]).toBeCloseTo((2 * BETA * (v - es[nearest[n] * D + d])) / (N * D), 5));
    expect((cm['vq.codebook_grad'].data as Float32Array).every((v) => v === 0)).toBe(true);
  });

  it('names the shape it expected', () => {
    const b = new GraphBuilder('vq');
    const vq = new VectorQuantizer(new Params(b), 'vq', K, D, BETA);
    expect(() => vq.forward(b.input('z', 'float32', [1, 4, 2, 2]))).toThrow(/expects \[B, 3, h, w\], got \[1,4,2,2\]/);
  });
});
