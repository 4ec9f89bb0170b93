// Times the Conv weight-gradient formulations on onnxruntime-node, alone and inside a training-like
// step (forward Conv, then dX, dW, dB). Run: npx tsx ml/grad/conv-weight.bench.ts [threads] [reps]
import { GraphBuilder, type Value } from '../builder.ts';
import { toOnnxBytes } from '../onnx/serialize.ts';
import { forwardWindow } from '../ops/window.ts';
import { closeness } from '../ops/test-run.ts';
import { randn, Rng } from '../random.ts';
import { nodeBackend } from '../session/node.ts';
import { convWeightGradIm2col, convWeightGradSwapped, convWeightGradTaps } from './conv-weight.ts';
import { grad } from './grad.ts';

const threads = Number(process.argv[2] ?? 1);
const reps = Number(process.argv[3] ?? 10);
const [N, C, M, H, K] = [32, 64, 64, 16, 3];
const attrs = { pads: [1, 1, 1, 1] };

type Formulation = (x: Value, dy: Value) => Value;
const win = forwardWindow(attrs, [H, H], [K, K], (m) => {
  throw new Error(m);
});
const formulations: Record<string, Formulation> = {
  'conv-swapped': (x, dy) => convWeightGradSwapped(x, dy, win, 1),
  'im2col-batched-matmul': (x, dy) => convWeightGradIm2col(x, dy, win, 1, 'matmul'),
  'im2col-gemm': (x, dy) => convWeightGradIm2col(x, dy, win, 1, 'gemm'),
  'tap-slices-per-tap-gemm': (x, dy) => convWeightGradTaps(x, dy, win, 1, 'per-tap'),
  'tap-slices-concat': (x, dy) => convWeightGradTaps(x, dy, win, 1, 'concat'),
};

async function time(bytes: Uint8Array, feeds: Parameters<Awaited<ReturnType<typeof nodeBackend.create>>['run']>[0]) {
  const s = await nodeBackend.create(bytes, { threads });
  try {
    const first = await s.run(feeds);
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) await s.run(feeds);
    return { ms: (performance.now() - t0) / reps, out: first };
  } finally {
    await s.release();
  }
}

const rng = new Rng(1);
const x = randn([N, C, H, H], rng);
const dy = randn([N, M, H, H], rng, 0.1);
const w = randn([M, C, K, K], rng, 0.05);
console.log(`dW of Conv x[${x.shape}] w[${w.shape}] pads 1, onnxruntime-node, ${threads} thread(s), mean of ${reps}`);

let ref: Float32Array | undefined;
for (const [name, f] of Object.entries(formulations)) {
  const b = new GraphBuilder(name);
  b.output(f(b.input('x', 'float32', x.shape), b.input('dy', 'float32', dy.shape)), 'dw');
  const { ms, out } = await time(toOnnxBytes(b.build()), { x, dy });
  const data = out.dw.data as Float32Array;
  ref ??= data;
  console.log(`  dW only   ${name.padEnd(22)} ${ms.toFixed(1).padStart(7)} ms   agrees: ${closeness(data, ref, 1e-3, 1e-3) < 1}`);
}

// A training-like step: the forward Conv and its full backward, with the rule's own dW.
const b = new GraphBuilder('step');
const y = b.op1('Conv', [b.input('x', 'float32', x.shape), b.input('w', 'float32', w.shape), b.input('b', 'float32', [M])], attrs);
b.output(y, 'y');
const step = grad(b.build(), { loss: 'y', wrt: ['x', 'w', 'b'], seed: 'input' });
const { ms } = await time(toOnnxBytes(step), { x, w, b: randn([M], rng), y_seed: dy });
const fwd = await time(toOnnxBytes(b.build()), { x, w, b: randn([M], rng) });
console.log(`  step (forward + dX + dW + dB, rule as shipped): ${ms.toFixed(1)} ms; forward alone ${fwd.ms.toFixed(1)} ms`);
