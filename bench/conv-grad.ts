// Times the Conv weight- and input-gradient formulations on onnxruntime-node, alone and inside a training-like
// step (forward Conv, then dX, dW, dB). Run: npm run bench:conv-grad -- [threads] [reps]
import { GraphBuilder, type Value } from '../ml/builder.ts';
import { toOnnxBytes } from '../ml/onnx/serialize.ts';
import { forwardWindow } from '../ml/ops/window.ts';
import { closeness } from '../ml/ops/test-run.ts';
import { randn, Rng } from '../ml/random.ts';
import { nodeBackend } from '../ml/session/node.ts';
import type { Tensor } from '../ml/tensor.ts';
import { convInputGradFlipped, convInputGradTranspose } from '../ml/grad/conv-input.ts';
import { convWeightGradFlat, convWeightGradIm2col, convWeightGradStacked, convWeightGradSwapped, convWeightGradTaps } from '../ml/grad/conv-weight.ts';
import { grad } from '../ml/grad/grad.ts';

const threads = Number(process.argv[2] ?? 1);
const reps = Number(process.argv[3] ?? 15);
const [N, C, M, H, K] = [32, 64, 64, 16, 3];
const attrs = { pads: [1, 1, 1, 1] };

type Formulation = (x: Value, dy: Value) => Value;
const win = forwardWindow(attrs, [H, H], [K, K], (m) => {
  throw new Error(m);
});
const formulations: Record<string, Formulation> = {
  'conv-swapped': (x, dy) => convWeightGradSwapped(x, dy, win, 1),
  'im2col-onehot-conv-matmul': (x, dy) => convWeightGradIm2col(x, dy, win, 1),
  'tap-slices-gemm': (x, dy) => convWeightGradTaps(x, dy, win, 1),
  'tap-slices-concat-one-gemm': (x, dy) => convWeightGradStacked(x, dy, win, 1),
  'flat-tap-windows-gemm': (x, dy) => convWeightGradFlat(x, dy, win, 1),
};

type Feeds = Record<string, Tensor>;

/** Interleaves the candidates round by round (the CPU is shared), keeping min and median per candidate. */
async function race(cands: { name: string; bytes: Uint8Array; feeds: Feeds }[]) {
  const sessions = await Promise.all(cands.map((c) => nodeBackend.create(c.bytes, { threads })));
  const outs = await Promise.all(sessions.map((s, i) => s.run(cands[i].feeds)));
  const times: number[][] = cands.map(() => []);
  const cpu: number[][] = cands.map(() => []);
  for (let r = 0; r < reps; r++)
    for (let i = 0; i < cands.length; i++) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      await sessions[i].run(cands[i].feeds);
      const c = process.cpuUsage(c0);
      times[i].push(performance.now() - t0);
      cpu[i].push((c.user + c.system) / 1e3);
    }
  await Promise.all(sessions.map((s) => s.release()));
  return times.map((t, i) => {
    const sorted = [...t].sort((a, b) => a - b);
    const c = [...cpu[i]].sort((a, b) => a - b);
    return { name: cands[i].name, min: sorted[0], median: sorted[Math.floor(sorted.length / 2)], cpu: c[Math.floor(c.length / 2)], out: outs[i] };
  });
}
const fmt = (ms: number) => ms.toFixed(1).padStart(7);

const rng = new Rng(1);
const x = randn([N, C, H, H], rng);
const dy = randn([N, M, H, H], rng, 0.1);
const w = randn([M, C, K, K], rng, 0.05);
console.log(`dW of Conv x[${x.shape}] w[${w.shape}] pads 1, onnxruntime-node, ${threads} thread(s), ${reps} interleaved rounds`);

const cands = Object.entries(formulations).map(([name, f]) => {
  const b = new GraphBuilder(name);
  b.output(f(b.input('x', 'float32', x.shape), b.input('dy', 'float32', dy.shape)), 'dw');
  return { name: `dW ${name}`, bytes: toOnnxBytes(b.build()), feeds: { x, dy } as Feeds };
});
for (const [name, f] of Object.entries({ 'conv-transpose': convInputGradTranspose, 'flipped-kernel-conv': convInputGradFlipped })) {
  const b = new GraphBuilder(name);
  b.output(f(b.input('dy', 'float32', dy.shape), b.input('w', 'float32', w.shape), win, 1), 'dx');
  cands.push({ name: `dX ${name}`, bytes: toOnnxBytes(b.build()), feeds: { dy, w } });
}

// A training-like step: the forward Conv and its full backward (dX, dW, dB), with the rule as shipped.
const b = new GraphBuilder('step');
const y = b.op1('Conv', [b.input('x', 'float32', x.shape), b.input('w', 'float32', w.shape), b.input('b', 'float32', [M])], attrs);
b.output(y, 'y');
const bias = randn([M], rng);
cands.push({ name: 'forward Conv only', bytes: toOnnxBytes(b.build()), feeds: { x, w, b: bias } });
const step = grad(b.build(), { loss: 'y', wrt: ['x', 'w', 'b'], seed: 'input' });
cands.push({ name: 'step fwd+dX+dW+dB', bytes: toOnnxBytes(step), feeds: { x, w, b: bias, y_seed: dy } });

const results = await race(cands);
const ref = results[0].out.dw.data as Float32Array;
// CPU time (all threads) says how much work a candidate is when other jobs share the cores.
console.log(`${'candidate'.padEnd(36)}    min  median  cpu median (ms)`);
for (const r of results) {
  const dxRef = results.find((q) => q.out.dx)?.out.dx.data as Float32Array;
  const same = (a: Tensor | undefined, b: Float32Array) => (a ? `  agrees with the first: ${closeness(a.data as Float32Array, b, 1e-3, 1e-3) < 1}` : '');
  const agrees = same(r.out.dw, ref) || same(r.out.dx, dxRef);
  console.log(`${r.name.padEnd(36)}${fmt(r.min)} ${fmt(r.median)} ${fmt(r.cpu)}${agrees}`);
}
