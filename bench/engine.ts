// npm run bench:engine [-- --json] [--steps N] [--warmup N] [--threads N] [--skip web,torch] [--profile]
//
// One training step (forward, backward, Adam) of a small conv net, timed on onnxruntime-node,
// on onnxruntime-web's wasm backend inside Node, and on PyTorch CPU, in the same run. Each step's
// GFLOP/s is printed beside the GFLOP/s of a 2048² float32 matrix product on the same backend:
// that product is close to the best a backend does on this machine, so the ratio says how much of
// the backend's practical ceiling a training step uses, independently of how fast the machine is.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ortNode from 'onnxruntime-node';
import { GraphBuilder } from '../ml/builder.ts';
import { grad } from '../ml/grad/grad.ts';
import { Conv2d } from '../ml/nn/conv.ts';
import { mseLoss } from '../ml/nn/functional.ts';
import { Params } from '../ml/nn/params.ts';
import { toOnnxBytes } from '../ml/onnx/serialize.ts';
import { Adam } from '../ml/optim/adam.ts';
import { randn, Rng } from '../ml/random.ts';
import { nodeBackend } from '../ml/session/node.ts';
import type { Backend } from '../ml/session/session.ts';
import { configureWasm, webBackend } from '../ml/session/web.ts';
import type { Tensor } from '../ml/tensor.ts';
import { Trainer } from '../ml/train/trainer.ts';

const PYTHON = '/usr/bin/python3';

const { values: opt } = parseArgs({
  options: {
    json: { type: 'boolean' },
    steps: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    threads: { type: 'string', default: '2' },
    batch: { type: 'string', default: '32' },
    channels: { type: 'string', default: '64' },
    size: { type: 'string', default: '16' },
    matmul: { type: 'string', default: '2048' },
    skip: { type: 'string', default: '' },
    profile: { type: 'boolean' },
  },
});
const int = (s: string | undefined, name: string) => {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number, got "${s}"`);
  return n;
};
const STEPS = Math.max(1, int(opt.steps, 'steps'));
const WARMUP = int(opt.warmup, 'warmup');
const THREADS = Math.max(1, int(opt.threads, 'threads'));
const N = int(opt.batch, 'batch');
const C = int(opt.channels, 'channels');
const S = int(opt.size, 'size');
const M = int(opt.matmul, 'matmul');
const SKIP = new Set((opt.skip ?? '').split(',').filter(Boolean));
const log = (s: string) => {
  if (!opt.json) process.stderr.write(`${s}\n`);
};

// ---- the model --------------------------------------------------------------------------------

/** conv3x3 → ReLU → conv3x3 → ReLU → conv3x3, MSE against a target; every conv has a bias. */
function buildNet() {
  const b = new GraphBuilder('bench_convnet');
  const p = new Params(b, { seed: 0 });
  const x = b.input('x', 'float32', [N, C, S, S]);
  const target = b.input('target', 'float32', [N, C, S, S]);
  const convs = [0, 1, 2].map((i) => new Conv2d(p, `conv${i}`, C, C, 3, { padding: 1 }));
  let h = convs[0].forward(x);
  h = convs[1].forward(b.op1('Relu', [h]));
  h = convs[2].forward(b.op1('Relu', [h]));
  b.output(mseLoss(h, target), 'loss');
  return { graph: b.build(), params: p };
}

/**
 * FLOPs of one step, counted analytically: 2 per multiply-add of the convolutions. Forward is 3
 * convs; backward is a weight gradient for each conv plus an input gradient for the last two (the
 * input needs none). Element-wise work (ReLU, bias, loss, Adam) is under 1% and left out.
 */
function flops() {
  const conv = 2 * N * C * S * S * C * 9;
  return { forward: 3 * conv, step: (3 + 3 + 2) * conv };
}

function batch(): Record<string, Tensor> {
  const rng = new Rng(1);
  return { x: randn([N, C, S, S], rng), target: randn([N, C, S, S], rng) };
}

// ---- timing -----------------------------------------------------------------------------------

async function medianMs(fn: () => Promise<unknown>, warmup: number, reps: number): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  return times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
}

interface Result {
  backend: string;
  threads: number;
  step_ms: number;
  forward_ms: number;
  matmul_ms: number;
  step_gflops: number;
  forward_gflops: number;
  matmul_gflops: number;
  note?: string;
}

function withRates(r: Omit<Result, 'step_gflops' | 'forward_gflops' | 'matmul_gflops'>): Result {
  const f = flops();
  return {
    ...r,
    step_gflops: f.step / r.step_ms / 1e6,
    forward_gflops: f.forward / r.forward_ms / 1e6,
    matmul_gflops: (2 * M ** 3) / r.matmul_ms / 1e6,
  };
}

async function matmulMs(backend: Backend, reps: number): Promise<number> {
  const b = new GraphBuilder('matmul');
  // Inputs, not initializers, so that no runtime folds the product away.
  const a = b.input('a', 'float32', [M, M]);
  const c = b.input('b', 'float32', [M, M]);
  b.output(b.op1('MatMul', [a, c]), 'c');
  const s = await backend.create(toOnnxBytes(b.build()), { threads: THREADS });
  try {
    const rng = new Rng(2);
    const feeds = { a: randn([M, M], rng), b: randn([M, M], rng) };
    return await medianMs(() => s.run(feeds), 1, reps);
  } finally {
    await s.release();
  }
}

async function engine(backend: Backend, label: string, steps: number, matmulReps: number): Promise<Result> {
  const { graph, params } = buildNet();
  const trainer = await Trainer.create({
    graph,
    loss: 'loss',
    trainable: params.names(),
    params: params.initial(),
    optimizer: new Adam({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8 }),
    backend,
    session: { threads: THREADS },
  });
  const data = batch();
  try {
    log(`${label}: ${WARMUP} warm-up + ${steps} training steps…`);
    const step_ms = await medianMs(() => trainer.step(data), WARMUP, steps);
    const forward_ms = await medianMs(() => trainer.evaluate(data), 1, steps);
    log(`${label}: ${M}x${M} matmul…`);
    const matmul_ms = await matmulMs(backend, matmulReps);
    return withRates({ backend: label, threads: THREADS, step_ms, forward_ms, matmul_ms });
  } finally {
    await trainer.release();
  }
}

function torch(): Result | { backend: string; skipped: string } {
  const label = 'PyTorch CPU';
  if (!existsSync(PYTHON)) return { backend: label, skipped: `${PYTHON} not found` };
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' });
  } catch {
    return { backend: label, skipped: `${PYTHON} has no torch module` };
  }
  log(`${label}: ${WARMUP} warm-up + ${STEPS} training steps, ${M}x${M} matmul…`);
  const script = join(import.meta.dirname, 'engine_torch.py');
  const args = ['--steps', STEPS, '--warmup', WARMUP, '--threads', THREADS, '--batch', N, '--channels', C, '--size', S, '--matmul', M];
  const out = JSON.parse(execFileSync(PYTHON, [script, ...args.map(String)], { encoding: 'utf8' }));
  const blas = out.blas_info === 'generic' ? `; BLAS: ${out.blas_libraries.join(', ') || 'generic'}` : '';
  return withRates({
    backend: `${label} ${out.version}`,
    threads: out.threads,
    step_ms: out.step_ms,
    forward_ms: out.forward_ms,
    matmul_ms: out.matmul_ms,
    note: `oneDNN ${out.mkldnn ? 'on' : 'off'}${blas}`,
  });
}

// ---- where the time goes (onnxruntime-node's profiler) -----------------------------------------

interface ProfileEvent {
  cat: string;
  name: string;
  dur: number;
  args?: { op_name?: string };
}

/** Runs the gradient model with ORT's profiler and sums kernel time by operator, forward vs backward. */
async function profile(): Promise<{ op: string; part: string; ms: number; share: number }[]> {
  const { graph, params } = buildNet();
  const g = grad(graph, { loss: 'loss', wrt: params.names() });
  const dir = mkdtempSync(join(tmpdir(), 'ort-profile-'));
  try {
    const s = await ortNode.InferenceSession.create(toOnnxBytes(g), {
      intraOpNumThreads: THREADS,
      enableProfiling: true,
      profileFilePrefix: join(dir, 'bench'),
    });
    const feeds: Record<string, ortNode.Tensor> = {};
    for (const [k, t] of Object.entries({ ...params.initial(), ...batch() }))
      feeds[k] = new ortNode.Tensor('float32', t.data as Float32Array, t.shape as number[]);
    const runs = Math.max(3, Math.min(STEPS, 5));
    for (let i = 0; i < runs; i++) await s.run(feeds);
    s.endProfiling();
    await s.release();
    const file = readdirSync(dir).find((f) => f.endsWith('.json'));
    if (!file) throw new Error('onnxruntime wrote no profile');
    const events = JSON.parse(readFileSync(join(dir, file), 'utf8')) as ProfileEvent[];
    const byOp = new Map<string, number>();
    let total = 0;
    for (const e of events) {
      if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
      // Nodes the gradient walk adds live under the grad/ scope; the rest is the forward pass.
      const key = `${e.args?.op_name ?? '?'}\t${e.name.startsWith('grad/') ? 'backward' : 'forward'}`;
      byOp.set(key, (byOp.get(key) ?? 0) + e.dur);
      total += e.dur;
    }
    return [...byOp]
      .map(([k, us]) => {
        const [op, part] = k.split('\t');
        return { op, part, ms: us / 1e3 / runs, share: us / total };
      })
      .sort((a, b) => b.ms - a.ms);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- report -------------------------------------------------------------------------------------

const f1 = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

function table(rows: string[][]): string {
  const w = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
  return rows.map((r) => r.map((c, j) => (j === 0 ? c.padEnd(w[j]) : c.padStart(w[j]))).join('  ')).join('\n');
}

async function main() {
  const f = flops();
  const results: Result[] = [];
  const skipped: { backend: string; skipped: string }[] = [];
  if (!SKIP.has('node')) results.push(await engine(nodeBackend, 'onnxruntime-node', STEPS, 3));
  if (!SKIP.has('web')) {
    configureWasm({ threads: THREADS });
    // The wasm step is several times slower; fewer timed steps keep the whole run short.
    results.push(await engine(webBackend, 'onnxruntime-web (wasm)', Math.max(3, Math.ceil(STEPS / 2)), 2));
  }
  if (!SKIP.has('torch')) {
    const t = torch();
    if ('skipped' in t) skipped.push(t);
    else results.push(t);
  }
  const prof = opt.profile && !SKIP.has('node') ? await profile() : undefined;

  const node = results.find((r) => r.backend === 'onnxruntime-node');
  const web = results.find((r) => r.backend.startsWith('onnxruntime-web'));
  const pt = results.find((r) => r.backend.startsWith('PyTorch'));
  const ratios = {
    node_vs_torch: node && pt ? node.step_ms / pt.step_ms : null,
    wasm_vs_node: node && web ? web.step_ms / node.step_ms : null,
  };
  const config = { batch: N, channels: C, size: S, threads: THREADS, steps: STEPS, warmup: WARMUP, matmul: M, step_gflop: f.step / 1e9, forward_gflop: f.forward / 1e9 };

  if (opt.json) {
    process.stdout.write(`${JSON.stringify({ config, results, skipped, ratios, profile: prof }, null, 2)}\n`);
    return;
  }
  const out: string[] = [];
  out.push(
    `Training step: conv3x3 → ReLU → conv3x3 → ReLU → conv3x3 (${C} channels), MSE, Adam; batch ${N}, ${S}x${S}; ` +
      `${THREADS} threads; median of ${STEPS} steps after ${WARMUP} warm-up`,
  );
  out.push(`FLOPs: ${(f.step / 1e9).toFixed(2)} GFLOP per step (forward ${(f.forward / 1e9).toFixed(2)}); ceiling = ${M}x${M} float32 MatMul`);
  out.push('');
  out.push(
    table([
      ['backend', 'step ms', 'GFLOP/s', 'fwd ms', 'fwd GFLOP/s', 'matmul GFLOP/s', 'step/ceiling'],
      ...results.map((r) => [
        r.backend,
        f1(r.step_ms),
        f1(r.step_gflops),
        f1(r.forward_ms),
        f1(r.forward_gflops),
        f1(r.matmul_gflops),
        `${((100 * r.step_gflops) / r.matmul_gflops).toFixed(0)}%`,
      ]),
    ]),
  );
  for (const r of results) if (r.note) out.push(`  ${r.backend}: ${r.note}`);
  for (const s of skipped) out.push(`  ${s.backend}: skipped (${s.skipped})`);
  out.push('');
  if (ratios.node_vs_torch !== null) out.push(`node step / PyTorch step: ${ratios.node_vs_torch.toFixed(2)}x (target ≤ 1.5x)`);
  if (ratios.wasm_vs_node !== null) out.push(`wasm step / node step:    ${ratios.wasm_vs_node.toFixed(2)}x (target ≤ 4x)`);
  if (prof) {
    out.push('', 'onnxruntime-node kernel time per step, by operator (forward = original graph, backward = gradient nodes):');
    out.push(table([['operator', 'part', 'ms', 'share'], ...prof.slice(0, 12).map((p) => [p.op, p.part, f1(p.ms), `${(100 * p.share).toFixed(1)}%`])]));
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

await main();
