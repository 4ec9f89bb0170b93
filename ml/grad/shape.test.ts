import { describe, expect, it } from 'vitest';
import { GraphBuilder, type Value } from '../builder.ts';
import { toOnnxBytes } from '../onnx/serialize.ts';
import { randn, Rng } from '../random.ts';
import { nodeBackend } from '../session/node.ts';
import type { Backend } from '../session/session.ts';
import { configureWasm, webBackend } from '../session/web.ts';
import { f32, i64, tensor, type Tensor } from '../tensor.ts';
import { checkGradients, describeFailures } from './check.ts';
import { grad } from './grad.ts';

configureWasm({ threads: 1 });

/** Builds a graph from float inputs of the given shapes and checks every input's gradient. */
async function check(
  shapes: number[][],
  body: (b: GraphBuilder, xs: Value[]) => Value,
  opts: { seed: number; backends?: Backend[] },
) {
  const rng = new Rng(opts.seed);
  const b = new GraphBuilder('g');
  const xs = shapes.map((s, i) => b.input(`x${i}`, 'float32', s));
  b.output(body(b, xs), 'out');
  const feeds: Record<string, Tensor> = {};
  shapes.forEach((s, i) => (feeds[`x${i}`] = randn(s, rng)));
  for (const backend of opts.backends ?? [nodeBackend]) {
    const r = await checkGradients(b.build(), { wrt: xs.map((x) => x.name), feeds, backend, seed: opts.seed, directions: 4 });
    expect(describeFailures(r), `${backend.name}`).toBe('');
  }
}

const randShape = (rng: Rng, rank: number, max = 4) => Array.from({ length: rank }, () => 1 + rng.int(max));

function shuffled(rng: Rng, n: number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

describe('shape operator gradients match finite differences', () => {
  const rng = new Rng(2024);

  it('Reshape, Flatten, Squeeze, Unsqueeze', async () => {
    for (let t = 0; t < 3; t++) {
      const s = randShape(rng, 3);
      const axis = rng.int(7) - 3;
      await check(
        [s],
        (b, [x]) => {
          const r = b.op1('Reshape', [x, b.ints([0, -1])]);
          const f = b.op1('Flatten', [b.op1('Unsqueeze', [x, b.ints([-1, 1])]), ], { axis });
          const q = b.op1('Squeeze', [b.op1('Unsqueeze', [r, b.ints([0])]), b.ints([0])]);
          // Tie all three into one output through Concat of flattened views.
          return b.op1('Concat', [b.op1('Flatten', [q], { axis: 0 }), b.op1('Reshape', [f, b.ints([1, -1])])], { axis: 1 });
        },
        { seed: t },
      );
    }
  });

  it('Transpose with random and default perms', async () => {
    for (let r = 1; r <= 4; r++) {
      const perm = shuffled(rng, r);
      await check([randShape(rng, r)], (b, [x]) => b.op1('Transpose', [x], { perm }), { seed: r });
      await check([randShape(rng, r)], (b, [x]) => b.op1('Transpose', [x]), { seed: 10 + r });
    }
  });

  it('Concat of several inputs, one of them constant, on negative axes', async () => {
    for (let t = 0; t < 3; t++) {
      const r = 1 + rng.int(3);
      const axis = rng.int(2 * r) - r;
      const base = randShape(rng, r);
      const shapes = [0, 1].map(() => base.map((d, i) => (i === (axis + r) % r ? 1 + rng.int(3) : d)));
      const cshape = base.map((d, i) => (i === (axis + r) % r ? 2 : d));
      await check(
        shapes,
        (b, [x0, x1]) => b.op1('Concat', [x0, b.constant(randn(cshape, rng)), x1, x0], { axis }),
        { seed: t },
      );
    }
  });

  it('Split with sizes and equal parts, some outputs unused', async () => {
    await check(
      [[3, 6]],
      (b, [x]) => {
        const [p0, , p2] = b.op('Split', [x, b.ints([1, 2, 3])], { axis: 1 }, { outputs: 3 });
        return b.op1('Concat', [p2, p0, p0], { axis: 1 });
      },
      { seed: 1 },
    );
    await check(
      [[4, 2, 3]],
      (b, [x]) => {
        const [a, c] = b.op('Split', [x], { axis: -3 }, { outputs: 2 });
        return b.op1('Mul', [a, c]);
      },
      { seed: 2 },
    );
  });

  it('Slice with negative/clamped indices, INT64 extremes and steps of any sign (node and wasm)', async () => {
    const big = 9223372036854775807n;
    const cases: [bigint[], bigint[], bigint[] | null, bigint[] | null][] = [
      [[1n], [big], [1n], null],
      [[-3n, 1n], [-1n, 100n], [-1n, 0n], null],
      [[big], [-big - 1n], [0n], [-1n]],
      [[-1n, 0n], [-big - 1n, 100n], [2n, 0n], [-2n, 3n]],
      [[10n, -100n, 2n], [0n, 100n, 3n], null, [-3n, 2n, 1n]],
      [[4n], [0n], [1n], [-4n]],
    ];
    let t = 0;
    for (const [s, e, a, st] of cases)
      await check(
        [[5, 6, 7]],
        (b, [x]) => {
          const c = (v: bigint[] | null) => (v ? b.constant(i64([v.length], v)) : null);
          return b.op1('Slice', [x, c(s), c(e), c(a), c(st)]);
        },
        { seed: t++, backends: [nodeBackend, webBackend] },
      );
  });

  it('Gather along every axis, with repeated, negative and scalar indices', async () => {
    for (let axis = -3; axis < 3; axis++) {
      const shape = randShape(rng, 3, 5);
      const dim = shape[(axis + 3) % 3];
      const idx = i64([2, 3], Array.from({ length: 6 }, () => rng.int(2 * dim) - dim));
      await check([shape], (b, [x]) => b.op1('Gather', [x, b.constant(idx)], { axis }), { seed: axis + 3 });
    }
    await check([[3, 4]], (b, [x]) => b.op1('Gather', [x, b.constant(i64([], [-2]))], { axis: 1 }), { seed: 9 });
    await check([[3, 4]], (b, [x]) => b.op1('Gather', [x, b.constant(tensor('int32', [3], [1, 1, -3]))], { axis: 0 }), {
      seed: 10,
    });
  });

  it('Expand broadcasting in both directions, and Tile', async () => {
    await check([[3, 1]], (b, [x]) => b.op1('Expand', [x, b.ints([2, 3, 4])]), { seed: 1 });
    await check([[2, 1, 3]], (b, [x]) => b.op1('Expand', [x, b.ints([4, 1])]), { seed: 2 });
    await check([[1, 1]], (b, [x]) => b.op1('Expand', [x, b.ints([1])]), { seed: 3 });
    await check([[2, 3]], (b, [x]) => b.op1('Tile', [x, b.ints([3, 2])]), { seed: 4 });
    await check([[2, 1, 2]], (b, [x]) => b.op1('Tile', [x, b.ints([1, 4, 1])]), { seed: 5 });
  });

  it('Dropout in inference mode passes the gradient through', async () => {
    await check([[2, 5]], (b, [x]) => b.op1('Dropout', [x, b.scalar(0.5)]), { seed: 1 });
  });
});

describe('embedding gradient (Gather with repeated runtime indices)', () => {
  /** Gradient of sum(Gather(table, ids) * seed) computed on a backend, as a flat array. */
  async function tableGrad(backend: Backend, table: Tensor, ids: Tensor, seed: Tensor): Promise<Float32Array> {
    const b = new GraphBuilder('emb');
    const w = b.input('table', 'float32', table.shape);
    const x = b.input('ids', 'int64', ids.shape);
    b.output(b.op1('Gather', [w, x]), 'emb');
    const g = grad(b.build(), { loss: 'emb', wrt: ['table'], seed: 'input' });
    const s = await backend.create(toOnnxBytes(g));
    const r = await s.run({ table, ids, emb_seed: seed });
    await s.release();
    return r.table_grad.data as Float32Array;
  }

  it('accumulates every occurrence of a token on onnxruntime-node and wasm', async () => {
    const rng = new Rng(5);
    const [V, D, B, T] = [7, 3, 2, 6];
    const table = randn([V, D], rng);
    const ids = i64([B, T], [1, 1, 1, 4, 0, -1, 4, 4, 2, 1, 6, 6]);
    const seed = randn([B, T, D], rng);
    // Reference: scatter-add in JS.
    const want = new Float32Array(V * D);
    Array.from(ids.data as BigInt64Array, Number).forEach((id, k) => {
      const row = id < 0 ? id + V : id;
      for (let d = 0; d < D; d++) want[row * D + d] += (seed.data as Float32Array)[k * D + d];
    });
    for (const backend of [nodeBackend, webBackend]) {
      const got = await tableGrad(backend, table, ids, seed);
      expect(got.length).toBe(V * D);
      got.forEach((v, i) => expect(v, `${backend.name} entry ${i}`).toBeCloseTo(want[i], 5));
    }
    // Row 1 was used four times (3 in the first sequence, 1 in the second).
    expect(want[3]).not.toBeCloseTo(0, 3);
  });

  it('passes checkGradients with ids fed at run time', async () => {
    const rng = new Rng(6);
    const b = new GraphBuilder('emb');
    const w = b.input('table', 'float32', [5, 4]);
    const ids = b.input('ids', 'int64', [3, 4]);
    b.output(b.op1('Mul', [b.op1('Gather', [w, ids]), b.op1('Gather', [w, ids])]), 'out');
    const feeds = { table: randn([5, 4], rng), ids: i64([3, 4], [0, 0, 3, 3, 3, 1, 4, 0, -1, 2, 2, 0]) };
    for (const backend of [nodeBackend, webBackend]) {
      const r = await checkGradients(b.build(), { wrt: ['table'], feeds, backend, directions: 5 });
      expect(describeFailures(r), backend.name).toBe('');
    }
  });

  it('gives zeros for rows no index names', async () => {
    const got = await tableGrad(nodeBackend, f32([3, 2]), i64([2], [2, 2]), f32([2, 2], [1, 2, 3, 4]));
    expect(Array.from(got)).toEqual([0, 0, 0, 0, 4, 6]);
  });
});
