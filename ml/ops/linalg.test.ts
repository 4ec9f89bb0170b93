import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../builder.ts';
import { randn, Rng } from '../random.ts';
import { nodeBackend } from '../session/node.ts';
import { sizeOf, stridesOf, type Tensor } from '../tensor.ts';
import { closeness, runGraph } from './test-run.ts';
import { broadcastShapes } from './util.ts';

/** NumPy matmul in plain loops (1-D operands promoted, then the added dim dropped). */
function refMatMul(a: Tensor, b: Tensor): { shape: number[]; data: Float32Array } {
  const as = a.shape.length === 1 ? [1, a.shape[0]] : [...a.shape];
  const bs = b.shape.length === 1 ? [b.shape[0], 1] : [...b.shape];
  const [m, k] = as.slice(-2);
  const n = bs[bs.length - 1];
  const batch = broadcastShapes(as.slice(0, -2), bs.slice(0, -2))!;
  const out = new Float32Array(sizeOf(batch) * m * n);
  const offset = (shape: number[], idx: number[]) => {
    const st = stridesOf(shape);
    return idx.reduce((o, c, i) => o + (shape[i] === 1 ? 0 : c * st[i]), 0);
  };
  const bst = stridesOf(batch);
  for (let t = 0; t < sizeOf(batch); t++) {
    const idx = bst.map((s, i) => Math.floor(t / s) % batch[i]);
    const ao = offset(as.slice(0, -2), idx.slice(idx.length - (as.length - 2))) * m * k;
    const bo = offset(bs.slice(0, -2), idx.slice(idx.length - (bs.length - 2))) * k * n;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let l = 0; l < k; l++) s += (a.data as Float32Array)[ao + i * k + l] * (b.data as Float32Array)[bo + l * n + j];
        out[(t * m + i) * n + j] = s;
      }
  }
  const shape = [...batch];
  if (a.shape.length > 1) shape.push(m);
  if (b.shape.length > 1) shape.push(n);
  return { shape, data: out };
}

async function run(op: string, ins: Tensor[], attrs = {}) {
  const b = new GraphBuilder(op);
  const y = b.op1(op, ins.map((t, i) => b.input(`i${i}`, t.dtype, t.shape)), attrs);
  b.output(y, 'y');
  const res = await runGraph(nodeBackend, b.build(), Object.fromEntries(ins.map((t, i) => [`i${i}`, t])));
  expect(res.y.shape).toEqual([...y.shape]);
  return res.y;
}

describe('MatMul', () => {
  it('matches NumPy semantics: 1-D operands and broadcast batch dims', async () => {
    const rng = new Rng(3);
    const shapes: [number[], number[]][] = [
      [[3], [3]],
      [[3], [3, 4]],
      [[2, 3], [3]],
      [[2, 3], [3, 4]],
      [[5, 2, 3], [3, 4]],
      [[2, 3], [5, 3, 4]],
      [[2, 1, 2, 3], [5, 3, 4]],
      [[4], [2, 4, 3]],
      [[2, 3, 4], [4]],
    ];
    for (let t = 0; t < 4; t++) {
      const k = 1 + rng.int(4);
      shapes.push([[1 + rng.int(3), 1, 2, k], [rng.int(2) + 1, 3, k, 1 + rng.int(4)]]);
    }
    for (const [sa, sb] of shapes) {
      const a = randn(sa, rng);
      const b = randn(sb, rng);
      const y = await run('MatMul', [a, b]);
      const ref = refMatMul(a, b);
      expect(y.shape, `[${sa}] @ [${sb}]`).toEqual(ref.shape);
      expect(closeness(y.data as Float32Array, ref.data), `[${sa}] @ [${sb}]`).toBeLessThan(1);
    }
  });

  it('fails at build time on mismatched inner or batch dims', () => {
    const b = new GraphBuilder('bad');
    const x = b.input('x', 'float32', [2, 3]);
    expect(() => b.op1('MatMul', [x, b.input('y', 'float32', [4, 2])], {}, { name: 'mm' })).toThrow(/MatMul "mm".*inner dimensions/);
    expect(() => b.op1('MatMul', [b.input('p', 'float32', [2, 2, 3]), b.input('q', 'float32', [3, 3, 1])])).toThrow(/batch dimensions/);
    expect(() => b.op1('MatMul', [x, b.input('z', 'float32', [])])).toThrow(/rank at least 1/);
  });
});

describe('Gemm', () => {
  it('applies transA, transB, alpha, beta and a broadcast C', async () => {
    const rng = new Rng(4);
    const [m, k, n] = [3, 4, 5];
    for (const transA of [0, 1])
      for (const transB of [0, 1])
        for (const cShape of [null, [n], [m, 1], [m, n], [1, 1]]) {
          const a = randn(transA ? [k, m] : [m, k], rng);
          const bm = randn(transB ? [n, k] : [k, n], rng);
          const c = cShape ? randn(cShape, rng) : null;
          const attrs = { transA, transB, alpha: 0.5, beta: 2 };
          const y = await run('Gemm', c ? [a, bm, c] : [a, bm], attrs);
          const A = (i: number, l: number) => (a.data as Float32Array)[transA ? l * m + i : i * k + l];
          const B = (l: number, j: number) => (bm.data as Float32Array)[transB ? j * k + l : l * n + j];
          const C = (i: number, j: number) => {
            if (!c) return 0;
            const cs = c.shape;
            const ci = cs.length === 2 && cs[0] !== 1 ? i : 0;
            const cj = cs[cs.length - 1] !== 1 ? j : 0;
            return (c.data as Float32Array)[ci * (cs.length === 2 ? cs[1] : 0) + cj];
          };
          const ref = new Float32Array(m * n);
          for (let i = 0; i < m; i++)
            for (let j = 0; j < n; j++) {
              let s = 0;
              for (let l = 0; l < k; l++) s += A(i, l) * B(l, j);
              ref[i * n + j] = 0.5 * s + 2 * C(i, j);
            }
          expect(closeness(y.data as Float32Array, ref), JSON.stringify({ attrs, cShape })).toBeLessThan(1);
        }
  });

  it('fails at build time on a wrong C or inner dim', () => {
    const b = new GraphBuilder('bad');
    const a = b.input('a', 'float32', [3, 4]);
    const w = b.input('w', 'float32', [5, 4]);
    expect(() => b.op1('Gemm', [a, w])).toThrow(/inner dimensions/);
    expect(b.op1('Gemm', [a, w], { transB: 1 }).shape).toEqual([3, 5]);
    expect(() => b.op1('Gemm', [a, w, b.input('c', 'float32', [3, 4])], { transB: 1 })).toThrow(/C \[3,4\] does not broadcast/);
  });
});
