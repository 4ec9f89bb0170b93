// npm run bench:engine [-- --json] [--steps N] [--rounds N] [--warmup N] [--threads N] [--skip node,web,torch] [--profile]
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
    rounds: { type: 'string', default: '3' },
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
const ROUNDS = Math.max(1, int(opt.rounds, 'rounds'));
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

/** Times fn `reps` times after `warmup` untimed calls; returns the times in ms, sorted. */
async function timeMs(fn: () => Promise<unknown>, warmup: number, reps: number): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b);
}

/**
 * One round, in ms: the median step and forward pass, and the fastest matrix product. A ceiling is
 * what the backend can reach, so it takes the run that other load on the machine disturbed least.
 */
interface Round {
  step_ms: number;
  forward_ms: number;
  matmul_ms: number;
}

interface Runner {
  label: string;
  threads: number;
  note?: string;
  round(first: boolean): Promise<Round>;
  release(): Promise<void>;
}

interface Result extends Round {
  backend: string;
  threads: number;
  /** Fastest and slowest round's step: the spread the shared machine caused. */
  step_ms_range: [number, number];
  rounds: Round[];
  step_gflops: number;
  forward_gflops: number;
  matmul_gflops: number;
  note?: string;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

function summarize(r: Runner, rounds: Round[]): Result {
  const f = flops();
  const step_ms = median(rounds.map((x) => x.step_ms));
  const forward_ms = median(rounds.map((x) => x.forward_ms));
  const matmul_ms = Math.min(...rounds.map((x) => x.matmul_ms));
  const steps = rounds.map((x) => x.step_ms);
  return {
    backend: r.label,
    threads: r.threads,
    step_ms,
    forward_ms,
    matmul_ms,
    step_ms_range: [Math.min(...steps), Math.max(...steps)],
    rounds,
    step_gflops: f.step / step_ms / 1e6,
    forward_gflops: f.forward / forward_ms / 1e6,
    matmul_gflops: (2 * M ** 3) / matmul_ms / 1e6,
    note: r.note,
  };
}

async function matmulSession(backend: Backend) {
  const b = new GraphBuilder('matmul');
  // Inputs, not initializers, so that no runtime folds the product away.
  const a = b.input('a', 'float32', [M, M]);
  const c = b.input('b', 'float32', [M, M]);
  b.output(b.op1('MatMul', [a, c]), 'c');
  const s = await backend.create(toOnnxBytes(b.build()), { threads: THREADS });
  const rng = new Rng(2);
  const feeds = { a: randn([M, M], rng), b: randn([M, M], rng) };
  return { run: () => s.run(feeds), release: () => s.release() };
}

async function engine(backend: Backend, label: string, steps: number, matmulReps: number): Promise<Runner> {
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
  const mm = await matmulSession(backend);
  const data = batch();
  return {
    label,
    threads: THREADS,
    async round(first) {
      log(`  ${label}: ${steps} training steps${first ? ` after ${WARMUP} warm-up` : ''}, forward only, ${M}x${M} matmul`);
      const step_ms = median(await timeMs(() => trainer.step(data), first ? WARMUP : 0, steps));
      const forward_ms = median(await timeMs(() => trainer.evaluate(data), first ? 1 : 0, steps));
      const matmul_ms = (await timeMs(mm.run, first ? 1 : 0, matmulReps))[0];
      return { step_ms, forward_ms, matmul_ms };
    },
    async release() {
      await trainer.release();
      await mm.release();
    },
  };
}

/** PyTorch in a subprocess per round (a fresh model each time, so every round warms up). */
function torch(): Runner | { backend: string; skipped: string } {
  const label = 'PyTorch CPU';
  if (!existsSync(PYTHON)) return { backend: label, skipped: `${PYTHON} not found` };
  let version: string;
  try {
    version = execFileSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' }).trim();
  } catch {
    return { backend: label, skipped: `${PYTHON} has no torch module` };
  }
  const script = join(import.meta.dirname, 'engine_torch.py');
  const runner: Runner = {
    label: `${label} ${version}`,
    threads: THREADS,
    async round(first) {
      log(`  ${runner.label}: ${STEPS} training steps after ${WARMUP} warm-up, forward only, ${M}x${M} matmul`);
      // torch.mm with a reference BLAS takes seconds at 2048²: measured once, it is only reported.
      const args = ['--steps', STEPS, '--warmup', WARMUP, '--threads', THREADS, '--batch', N, '--channels', C, '--size', S, '--matmul', M];
      args.push('--matmul-reps', first ? 1 : 0);
      const out = JSON.parse(execFileSync(PYTHON, [script, ...args.map(String)], { encoding: 'utf8' }));
      if (first) {
        const mmRate = (ms: number | null) => (ms ? `${f1((2 * M ** 3) / ms / 1e6)} GFLOP/s` : 'not measured');
        const blas = out.blas_info === 'generic' ? ` (BLAS: ${out.blas_libraries.join(', ') || 'generic'})` : '';
        runner.note =
          `ceiling = the faster of torch.mm${blas}: ${mmRate(out.mm_ms)} and the same product as a 1x1 conv ` +
          `(oneDNN ${out.mkldnn ? 'on' : 'off'}): ${mmRate(out.conv1x1_ms)}`;
        runner.threads = out.threads;
      }
      return { step_ms: out.step_ms, forward_ms: out.forward_ms, matmul_ms: Math.min(out.conv1x1_ms, out.mm_ms ?? Infinity) };
    },
    release: async () => {},
  };
  return runner;
}

// ---- where the time goes (onnxruntime-node's profiler) -----------------------------------------

interface ProfileEvent {
  cat: string;
  name: string;
  dur: number;
  args?: { op_name?: string };
}

/** Runs the gradient model with ORT's profiler and sums kernel time by operator, forward vs backward. */
interface Profile {
  byOp: { op: string; part: string; ms: number; share: number }[];
  /** The slowest single nodes, to point at the gradient rule that emitted them. */
  topNodes: { node: string; op: string; ms: number }[];
}

async function profile(): Promise<Profile> {
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
    const runs = Math.max(3, STEPS);
    for (let i = 0; i < runs; i++) await s.run(feeds);
    s.endProfiling();
    await s.release();
    const file = readdirSync(dir).find((f) => f.endsWith('.json'));
    if (!file) throw new Error('onnxruntime wrote no profile');
    const events = JSON.parse(readFileSync(join(dir, file), 'utf8')) as ProfileEvent[];
    // The profile covers the first (cold) run too, so each node counts with its median run.
    const byNode = new Map<string, { op: string; durs: number[] }>();
    for (const e of events) {
      if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
      const node = byNode.get(e.name) ?? { op: e.args?.op_name ?? '?', durs: [] };
      node.durs.push(e.dur);
      byNode.set(e.name, node);
    }
    const byOp = new Map<string, number>();
    let total = 0;
    for (const [name, { op, durs }] of byNode) {
      // Nodes the gradient walk adds live under the grad/ scope; the rest is the forward pass.
      const key = `${op}\t${name.startsWith('grad/') ? 'backward' : 'forward'}`;
      const us = median(durs);
      byOp.set(key, (byOp.get(key) ?? 0) + us);
      total += us;
    }
    const ops = [...byOp]
      .map(([k, us]) => {
        const [op, part] = k.split('\t');
        return { op, part, ms: us / 1e3, share: us / total };
      })
      .sort((a, b) => b.ms - a.ms);
    const topNodes = [...byNode]
      .map(([name, { op, durs }]) => ({ node: name.slice(0, -'_kernel_time'.length), op, ms: median(durs) / 1e3 }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 10);
    return { byOp: ops, topNodes };
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
  const runners: Runner[] = [];
  const skipped: { backend: string; skipped: string }[] = [];
  if (!SKIP.has('node')) runners.push(await engine(nodeBackend, 'onnxruntime-node', STEPS, 3));
  if (!SKIP.has('web')) {
    configureWasm({ threads: THREADS });
    // The wasm step is several times slower; fewer timed steps keep the whole run short.
    runners.push(await engine(webBackend, 'onnxruntime-web (wasm)', Math.max(3, Math.ceil(STEPS / 2)), 1));
  }
  if (!SKIP.has('torch')) {
    const t = torch();
    if ('skipped' in t) skipped.push(t);
    else runners.push(t);
  }
  // Rounds alternate the backends, so that a burst of load from elsewhere on the machine lands on
  // all of them rather than on whichever happened to be running; each figure is a median of rounds.
  const rounds = new Map<Runner, Round[]>(runners.map((r) => [r, []]));
  for (let i = 0; i < ROUNDS; i++) {
    log(`round ${i + 1}/${ROUNDS}`);
    for (const r of runners) rounds.get(r)!.push(await r.round(i === 0));
  }
  for (const r of runners) await r.release();
  const results = runners.map((r) => summarize(r, rounds.get(r)!));
  const prof = opt.profile && !SKIP.has('node') ? await profile() : undefined;

  const node = results.find((r) => r.backend === 'onnxruntime-node');
  const web = results.find((r) => r.backend.startsWith('onnxruntime-web'));
  const pt = results.find((r) => r.backend.startsWith('PyTorch'));
  // Ratios are taken within each round (same load) and then the median across rounds.
  const ratio = (a?: Result, b?: Result) => (a && b ? median(a.rounds.map((r, i) => r.step_ms / b.rounds[i].step_ms)) : null);
  const ratios = { node_vs_torch: ratio(node, pt), wasm_vs_node: ratio(web, node) };
  const config = { batch: N, channels: C, size: S, threads: THREADS, steps: STEPS, rounds: ROUNDS, warmup: WARMUP, matmul: M, step_gflop: f.step / 1e9, forward_gflop: f.forward / 1e9 };

  if (opt.json) {
    process.stdout.write(`${JSON.stringify({ config, results, skipped, ratios, profile: prof }, null, 2)}\n`);
    return;
  }
  const out: string[] = [];
  out.push(
    `Training step: conv3x3 → ReLU → conv3x3 → ReLU → conv3x3 (${C} channels), MSE, Adam; batch ${N}, ${S}x${S}; ` +
      `${THREADS} threads; median over ${ROUNDS} rounds of the median of ${STEPS} steps (after ${WARMUP} warm-up)`,
  );
  out.push(`FLOPs: ${(f.step / 1e9).toFixed(2)} GFLOP per step (forward ${(f.forward / 1e9).toFixed(2)}); ceiling = fastest ${M}x${M} float32 MatMul`);
  out.push('');
  out.push(
    table([
      ['backend', 'step ms', '(rounds)', 'GFLOP/s', 'fwd ms', 'fwd GFLOP/s', 'matmul GFLOP/s', 'step/ceiling'],
      ...results.map((r) => [
        r.backend,
        f1(r.step_ms),
        `${f1(r.step_ms_range[0])}–${f1(r.step_ms_range[1])}`,
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
    out.push(table([['operator', 'part', 'ms', 'share'], ...prof.byOp.slice(0, 12).map((p) => [p.op, p.part, f1(p.ms), `${(100 * p.share).toFixed(1)}%`])]));
    const part = (name: string) => prof.byOp.filter((p) => p.part === name).reduce((a, p) => a + p.ms, 0);
    out.push(`forward ${f1(part('forward'))} ms, backward ${f1(part('backward'))} ms of kernel time per step (median run, profiler on)`);
    out.push('', 'slowest nodes:');
    out.push(table([['node', 'operator', 'ms'], ...prof.topNodes.map((n) => [n.node, n.op, f1(n.ms)])]));
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

await main();
if (!opt.json && !SKIP.has('onnx')) process.stdout.write(`\n${(await (await import('./onnx-import.ts')).onnxImportBench({ steps: STEPS, warmup: WARMUP, threads: THREADS, torch: !SKIP.has('torch') })).line}\n`);
