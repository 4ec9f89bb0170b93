// npm run bench:engine [-- --json] [--nets convnet,unet,ti] [--steps N] [--rounds N] [--warmup N] [--threads N]
//                       [--batch N] [--ti-batch N] [--skip node,web,torch] [--profile] [--top N] [--pack DIR]
//
// One training step (forward, backward, optimizer) of three networks, timed on onnxruntime-node,
// on onnxruntime-web's wasm backend inside Node, and on PyTorch CPU, in the same run:
//   convnet  a small conv net; its GFLOP/s is printed beside the GFLOP/s of a 2048² float32
//            matrix product on the same backend (close to the best a backend does on this machine),
//            so the ratio says how much of the backend's practical ceiling a step uses;
//   unet     the built-in pack's denoiser UNet, every weight trained (the pack's training step);
//   ti       a Textual Inversion step (one word vector through the frozen text encoder and UNet).
// Both follow the architecture in the pack's manifest (--pack DIR: another pack folder's), and
// PyTorch builds the same from it.
// Each step's CPU time (all threads) is reported beside its wall time: when other jobs share the
// cores, it is the steadier measure of the work a step is.
// --profile adds where a step's time goes, by operator kind, on onnxruntime-node (its profiler)
// and on PyTorch (torch.profiler).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { GraphBuilder } from '../ml/builder.ts';
import { toOnnxBytes } from '../ml/onnx/serialize.ts';
import { randn, Rng } from '../ml/random.ts';
import { nodeBackend } from '../ml/session/node.ts';
import type { Backend } from '../ml/session/session.ts';
import { configureWasm, webBackend } from '../ml/session/web.ts';
import { Trainer } from '../ml/train/trainer.ts';
import { type BenchNet, convNet, NET_NAMES, type NetName, packConfig, tiNet, unetNet } from './engine-nets.ts';
import { kindOfOrt, kindOfTorch, OP_KINDS } from './op-kinds.ts';

const PYTHON = '/usr/bin/python3';

const { values: opt } = parseArgs({
  options: {
    json: { type: 'boolean' },
    nets: { type: 'string', default: NET_NAMES.join(',') },
    steps: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '3' },
    threads: { type: 'string', default: '2' },
    batch: { type: 'string', default: '32' },
    'ti-batch': { type: 'string', default: '4' },
    channels: { type: 'string', default: '64' },
    size: { type: 'string', default: '16' },
    matmul: { type: 'string', default: '2048' },
    skip: { type: 'string', default: '' },
    profile: { type: 'boolean' },
    top: { type: 'string', default: '10' },
    pack: { type: 'string' },
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
const TI_N = Math.max(1, int(opt['ti-batch'], 'ti-batch'));
const C = int(opt.channels, 'channels');
/** How many of the slowest nodes (operators on PyTorch's side) --profile lists. */
const TOP = Math.max(1, int(opt.top, 'top'));
const S = int(opt.size, 'size');
const M = int(opt.matmul, 'matmul');
const SKIP = new Set((opt.skip ?? '').split(',').filter(Boolean));
const NETS = (opt.nets ?? '').split(',').filter(Boolean) as NetName[];
for (const n of NETS) if (!NET_NAMES.includes(n)) throw new Error(`--nets: unknown net "${n}" (known: ${NET_NAMES.join(', ')})`);
const log = (s: string) => {
  if (!opt.json) process.stderr.write(`${s}\n`);
};

/** The UNet step is ~50× the conv net's: fewer timed steps keep a run's length reasonable. */
const stepsOf = (net: NetName, backend: 'node' | 'web' | 'torch') => {
  const base = net === 'convnet' ? STEPS : Math.max(2, Math.ceil(STEPS / (net === 'unet' ? 3 : 2)));
  return backend === 'web' ? Math.max(2, Math.ceil(base / 2)) : base;
};
const warmupOf = (net: NetName) => (net === 'convnet' ? WARMUP : Math.min(WARMUP, 1));

function makeNet(name: NetName): BenchNet {
  if (name === 'convnet') return convNet(N, C, S);
  if (name === 'unet') return unetNet(N, packConfig(opt.pack));
  return tiNet(TI_N, packConfig(opt.pack));
}

// ---- timing -----------------------------------------------------------------------------------

/** Times fn `reps` times after `warmup` untimed calls; returns the times in ms, sorted. */
async function timeMs(fn: () => Promise<unknown>, warmup: number, reps: number): Promise<number[]> {
  return (await timeWithCpu(fn, warmup, reps)).wall;
}

/**
 * Wall and CPU time (all the process's threads) of each call, in ms, each sorted. On a machine
 * other jobs share, CPU time is the steadier measure of how much work a step is.
 */
async function timeWithCpu(fn: () => Promise<unknown>, warmup: number, reps: number) {
  for (let i = 0; i < warmup; i++) await fn();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await fn();
    const c = process.cpuUsage(c0);
    wall.push(performance.now() - t0);
    cpu.push((c.user + c.system) / 1e3);
  }
  return { wall: wall.sort((a, b) => a - b), cpu: cpu.sort((a, b) => a - b) };
}

/**
 * One round, in ms: the median step and forward pass, and (conv net) the fastest matrix product.
 * A ceiling is what the backend can reach, so it takes the run that other load disturbed least.
 */
interface Round {
  step_ms: number;
  /** CPU time of the step, all threads. */
  step_cpu_ms: number;
  forward_ms: number | null;
  matmul_ms: number | null;
}

interface Runner {
  net: NetName;
  label: string;
  threads: number;
  note?: string;
  round(first: boolean): Promise<Round>;
  release(): Promise<void>;
}

interface Result {
  net: NetName;
  backend: string;
  threads: number;
  step_ms: number;
  step_cpu_ms: number;
  forward_ms: number | null;
  matmul_ms: number | null;
  /** Fastest and slowest round's step: the spread the shared machine caused. */
  step_ms_range: [number, number];
  rounds: Round[];
  step_gflops: number | null;
  forward_gflops: number | null;
  matmul_gflops: number | null;
  note?: string;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const orNull = (xs: (number | null)[], f: (v: number[]) => number) => (xs.every((x) => x !== null) ? f(xs as number[]) : null);

function summarize(r: Runner, rounds: Round[], net: BenchNet): Result {
  const step_ms = median(rounds.map((x) => x.step_ms));
  const forward_ms = orNull(rounds.map((x) => x.forward_ms), median);
  const matmul_ms = orNull(rounds.map((x) => x.matmul_ms), (v) => Math.min(...v));
  const steps = rounds.map((x) => x.step_ms);
  const f = net.flops;
  return {
    net: r.net,
    backend: r.label,
    threads: r.threads,
    step_ms,
    step_cpu_ms: median(rounds.map((x) => x.step_cpu_ms)),
    forward_ms,
    matmul_ms,
    step_ms_range: [Math.min(...steps), Math.max(...steps)],
    rounds,
    step_gflops: f ? f.step / step_ms / 1e6 : null,
    forward_gflops: f && forward_ms ? f.forward / forward_ms / 1e6 : null,
    matmul_gflops: matmul_ms ? (2 * M ** 3) / matmul_ms / 1e6 : null,
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

function trainerOf(net: BenchNet, backend: Backend, profile?: string) {
  return Trainer.create({
    graph: net.graph,
    loss: 'loss',
    trainable: net.trainable,
    params: net.params,
    optimizer: net.optimizer(),
    backend,
    session: { threads: THREADS, profile },
  });
}

async function engine(net: BenchNet, backend: Backend, label: string, kind: 'node' | 'web'): Promise<Runner> {
  const trainer = await trainerOf(net, backend);
  const mm = net.name === 'convnet' ? await matmulSession(backend) : null;
  const steps = stepsOf(net.name, kind);
  return {
    net: net.name,
    label,
    threads: THREADS,
    async round(first) {
      const warm = first ? warmupOf(net.name) : 0;
      log(`  ${net.name} on ${label}: ${steps} training steps${first ? ` after ${warm} warm-up` : ''}, forward only${mm ? `, ${M}x${M} matmul` : ''}`);
      const t = await timeWithCpu(() => trainer.step(net.feeds), warm, steps);
      const [step_ms, step_cpu_ms] = [median(t.wall), median(t.cpu)];
      const forward_ms = median(await timeMs(() => trainer.evaluate(net.feeds), first ? 1 : 0, steps));
      const matmul_ms = mm ? (await timeMs(mm.run, first ? 1 : 0, kind === 'node' ? 3 : 1))[0] : null;
      return { step_ms, step_cpu_ms, forward_ms, matmul_ms };
    },
    async release() {
      await trainer.release();
      await mm?.release();
    },
  };
}

function torchVersion(): string | { skipped: string } {
  if (!existsSync(PYTHON)) return { skipped: `${PYTHON} not found` };
  try {
    return execFileSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', env: torchEnv() }).trim();
  } catch {
    return { skipped: `${PYTHON} has no torch module` };
  }
}

/**
 * Debian's PyTorch does its matrix products through whatever libblas.so.3 the system selects,
 * which may be the reference BLAS (≈ 1 GFLOP/s); the peer should be PyTorch at its best, so
 * OpenBLAS is put first when it is installed.
 */
function torchEnv(): NodeJS.ProcessEnv {
  const dir = '/usr/lib/x86_64-linux-gnu/openblas-pthread';
  if (!existsSync(join(dir, 'libblas.so.3'))) return process.env;
  return { ...process.env, LD_LIBRARY_PATH: [dir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') };
}

function runTorch(args: (string | number)[]) {
  const script = join(import.meta.dirname, 'engine_torch.py');
  return JSON.parse(execFileSync(PYTHON, [script, ...args.map(String)], { encoding: 'utf8', env: torchEnv(), maxBuffer: 1 << 26 }));
}

/** PyTorch in a subprocess per round (a fresh model each time, so every round warms up). */
function torch(net: BenchNet, version: string): Runner {
  const steps = stepsOf(net.name, 'torch');
  const runner: Runner = {
    net: net.name,
    label: `PyTorch CPU ${version}`,
    threads: THREADS,
    async round(first) {
      const warm = warmupOf(net.name);
      log(`  ${net.name} on ${runner.label}: ${steps} training steps after ${warm} warm-up, forward only${net.flops ? `, ${M}x${M} matmul` : ''}`);
      // torch.mm with a reference BLAS takes seconds at 2048²: measured once, it is only reported.
      const args = [...net.torchArgs, '--steps', steps, '--warmup', warm, '--threads', THREADS, '--matmul', M, '--matmul-reps', first ? 1 : 0];
      const out = runTorch(args);
      if (first && net.flops) {
        const mmRate = (ms: number | null) => (ms ? `${f1((2 * M ** 3) / ms / 1e6)} GFLOP/s` : 'not measured');
        const blas = ` (BLAS: ${out.blas_libraries.map((l: string) => l.split('/').pop()).join(', ') || out.blas_info})`;
        runner.note =
          `ceiling = the faster of torch.mm${blas}: ${mmRate(out.mm_ms)} and the same product as a 1x1 conv ` +
          `(oneDNN ${out.mkldnn ? 'on' : 'off'}): ${mmRate(out.conv1x1_ms)}`;
        runner.threads = out.threads;
      }
      return { step_ms: out.step_ms, step_cpu_ms: out.step_cpu_ms, forward_ms: out.forward_ms, matmul_ms: out.matmul_ms ?? null };
    },
    release: async () => {},
  };
  return runner;
}

// ---- where the time goes ------------------------------------------------------------------------

interface ProfileEvent {
  cat: string;
  name: string;
  dur: number;
  args?: { op_name?: string };
}

interface KindRow {
  kind: string;
  ms: number;
  share: number;
}
interface Profile {
  /** Per operator kind, ms per step (kernel time on onnxruntime, self CPU time on PyTorch). */
  kinds: KindRow[];
  /** The slowest single nodes or operators, to point at the rule that emitted them. */
  top: { name: string; op: string; ms: number }[];
  /** The step's wall time outside the session (the optimizer in JS, copies), ms. */
  outside_ms?: number;
}

function byKind(rows: { kind: string; ms: number }[]): KindRow[] {
  const m = new Map<string, number>();
  for (const r of rows) m.set(r.kind, (m.get(r.kind) ?? 0) + r.ms);
  const total = [...m.values()].reduce((a, b) => a + b, 0);
  return OP_KINDS.filter((k) => m.has(k)).map((kind) => ({ kind, ms: m.get(kind)!, share: m.get(kind)! / total }));
}

/**
 * The trainer's own session under onnxruntime-node's profiler: kernel time per node (median over
 * the runs, so the cold first run does not count), summed by kind; and the step's time outside the
 * session run (optimizer in JS, copies), from timing steps with and without the run.
 */
async function ortProfile(net: BenchNet): Promise<Profile> {
  const dir = mkdtempSync(join(tmpdir(), 'ort-profile-'));
  try {
    const trainer = await trainerOf(net, nodeBackend, join(dir, 'bench'));
    const runs = Math.max(3, stepsOf(net.name, 'node'));
    const stepTimes = await timeMs(() => trainer.step(net.feeds), 1, runs);
    trainer.endProfiling();
    await trainer.release();
    const file = readdirSync(dir).find((f) => f.endsWith('.json'));
    if (!file) throw new Error('onnxruntime wrote no profile');
    const events = JSON.parse(readFileSync(join(dir, file), 'utf8')) as ProfileEvent[];
    const byNode = new Map<string, { op: string; durs: number[] }>();
    const runMs: number[] = [];
    for (const e of events) {
      if (e.cat === 'Session' && e.name === 'model_run') runMs.push(e.dur / 1e3);
      if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
      const node = byNode.get(e.name) ?? { op: e.args?.op_name ?? '?', durs: [] };
      node.durs.push(e.dur);
      byNode.set(e.name, node);
    }
    const rows = [...byNode].map(([name, { op, durs }]) => ({ name: name.slice(0, -'_kernel_time'.length), op, ms: median(durs) / 1e3 }));
    const kinds = byKind(rows.map((r) => ({ kind: kindOfOrt(r.op, r.name), ms: r.ms })));
    const outside = median(stepTimes) - median(runMs.slice(1));
    return { kinds, top: rows.sort((a, b) => b.ms - a.ms).slice(0, TOP), outside_ms: Math.max(0, outside) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function torchProfile(net: BenchNet): Profile {
  const out = runTorch([...net.torchArgs, '--steps', stepsOf(net.name, 'torch'), '--warmup', warmupOf(net.name), '--threads', THREADS, '--matmul-reps', 0, '--no-forward', '--profile']);
  const rows = (out.profile as { op: string; ms: number }[]).filter((r) => !r.op.startsWith('Optimizer.'));
  return {
    kinds: byKind(rows.map((r) => ({ kind: kindOfTorch(r.op), ms: r.ms }))),
    top: rows.slice(0, TOP).map((r) => ({ name: r.op, op: kindOfTorch(r.op), ms: r.ms })),
  };
}

// ---- report -------------------------------------------------------------------------------------

const f1 = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const opt1 = (x: number | null) => (x === null ? '–' : f1(x));

function table(rows: string[][]): string {
  const w = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
  return rows.map((r) => r.map((c, j) => (j === 0 ? c.padEnd(w[j]) : c.padStart(w[j]))).join('  ')).join('\n');
}

async function main() {
  const nets = NETS.map(makeNet);
  const version = SKIP.has('torch') ? null : torchVersion();
  const skipped: { backend: string; skipped: string }[] = [];
  if (version && typeof version !== 'string') skipped.push({ backend: 'PyTorch CPU', ...version });
  if (!SKIP.has('web')) configureWasm({ threads: THREADS });
  const runners: Runner[] = [];
  for (const net of nets) {
    if (!SKIP.has('node')) runners.push(await engine(net, nodeBackend, 'onnxruntime-node', 'node'));
    if (!SKIP.has('web')) runners.push(await engine(net, webBackend, 'onnxruntime-web (wasm)', 'web'));
    if (typeof version === 'string') runners.push(torch(net, version));
  }
  // Rounds alternate the backends, so that a burst of load from elsewhere on the machine lands on
  // all of them rather than on whichever happened to be running; each figure is a median of rounds.
  const rounds = new Map<Runner, Round[]>(runners.map((r) => [r, []]));
  for (let i = 0; i < ROUNDS; i++) {
    log(`round ${i + 1}/${ROUNDS}`);
    for (const r of runners) rounds.get(r)!.push(await r.round(i === 0));
  }
  for (const r of runners) await r.release();
  const netOf = (n: NetName) => nets.find((x) => x.name === n)!;
  const results = runners.map((r) => summarize(r, rounds.get(r)!, netOf(r.net)));
  const profiles: Record<string, { node?: Profile; torch?: Profile }> = {};
  if (opt.profile)
    for (const net of nets) {
      log(`profiling ${net.name}`);
      profiles[net.name] = {
        node: SKIP.has('node') ? undefined : await ortProfile(net),
        torch: typeof version === 'string' ? torchProfile(net) : undefined,
      };
    }

  // Ratios are taken within each round (same load) and then the median (and range) across rounds.
  const ratio = (a?: Result, b?: Result, key: 'step_ms' | 'step_cpu_ms' = 'step_ms') => {
    if (!a || !b) return null;
    const rs = a.rounds.map((r, i) => r[key] / b.rounds[i][key]);
    return { median: median(rs), range: [Math.min(...rs), Math.max(...rs)] as [number, number] };
  };
  const ratios = Object.fromEntries(
    nets.map((net) => {
      const of = (p: string) => results.find((r) => r.net === net.name && r.backend.startsWith(p));
      const [node, web, pt] = [of('onnxruntime-node'), of('onnxruntime-web'), of('PyTorch')];
      return [net.name, { node_vs_torch: ratio(node, pt), wasm_vs_node: ratio(web, node), node_vs_torch_cpu: ratio(node, pt, 'step_cpu_ms'), wasm_vs_node_cpu: ratio(web, node, 'step_cpu_ms') }];
    }),
  );
  const config = { batch: N, ti_batch: TI_N, channels: C, size: S, threads: THREADS, steps: STEPS, rounds: ROUNDS, warmup: WARMUP, matmul: M };

  if (opt.json) {
    process.stdout.write(`${JSON.stringify({ config, results, skipped, ratios, profiles }, null, 2)}\n`);
    return;
  }
  const out: string[] = [];
  out.push(`${THREADS} threads; median over ${ROUNDS} rounds of the median of the timed steps; ratios per round, then median (range)`);
  for (const s of skipped) out.push(`  ${s.backend}: skipped (${s.skipped})`);
  for (const net of nets) {
    const rs = results.filter((r) => r.net === net.name);
    out.push('', `[${net.name}] ${net.title}`);
    if (net.flops) {
      out.push(`FLOPs: ${(net.flops.step / 1e9).toFixed(2)} GFLOP per step (forward ${(net.flops.forward / 1e9).toFixed(2)}); ceiling = fastest ${M}x${M} float32 MatMul`);
      out.push(
        table([
          ['backend', 'step ms', '(rounds)', 'CPU ms', 'GFLOP/s', 'fwd ms', 'fwd GFLOP/s', 'matmul GFLOP/s', 'step/ceiling'],
          ...rs.map((r) => [
            r.backend,
            f1(r.step_ms),
            `${f1(r.step_ms_range[0])}–${f1(r.step_ms_range[1])}`,
            f1(r.step_cpu_ms),
            opt1(r.step_gflops),
            opt1(r.forward_ms),
            opt1(r.forward_gflops),
            opt1(r.matmul_gflops),
            r.step_gflops && r.matmul_gflops ? `${((100 * r.step_gflops) / r.matmul_gflops).toFixed(0)}%` : '–',
          ]),
        ]),
      );
    } else
      out.push(
        table([
          ['backend', 'step ms', '(rounds)', 'CPU ms', 'fwd ms'],
          ...rs.map((r) => [r.backend, f1(r.step_ms), `${f1(r.step_ms_range[0])}–${f1(r.step_ms_range[1])}`, f1(r.step_cpu_ms), opt1(r.forward_ms)]),
        ]),
      );
    for (const r of rs) if (r.note) out.push(`  ${r.backend}: ${r.note}`);
    const q = ratios[net.name];
    const fmt = (x: { median: number; range: [number, number] }) => `${x.median.toFixed(2)}x (${x.range[0].toFixed(2)}–${x.range[1].toFixed(2)})`;
    if (q.node_vs_torch) out.push(`node step / PyTorch step: ${fmt(q.node_vs_torch)} (target ≤ 1.0x); CPU time ${fmt(q.node_vs_torch_cpu!)}`);
    if (q.wasm_vs_node) out.push(`wasm step / node step:    ${fmt(q.wasm_vs_node)} (target ≤ 3x); CPU time ${fmt(q.wasm_vs_node_cpu!)}`);
    const p = profiles[net.name];
    if (p) {
      const kinds = [...new Set([...(p.node?.kinds ?? []), ...(p.torch?.kinds ?? [])].map((k) => k.kind))];
      const cell = (pr: Profile | undefined, k: string) => {
        const row = pr?.kinds.find((x) => x.kind === k);
        return row ? `${f1(row.ms)} (${(100 * row.share).toFixed(0)}%)` : '–';
      };
      const total = (pr?: Profile) => (pr ? f1(pr.kinds.reduce((a, k) => a + k.ms, 0)) : '–');
      out.push('', 'where a step goes, ms per step by operator kind (onnxruntime: kernel time, profiler on; PyTorch: self CPU time):');
      out.push(
        table([
          ['kind', 'onnxruntime-node', 'PyTorch'],
          ...OP_KINDS.filter((k) => kinds.includes(k)).map((k) => [k, cell(p.node, k), cell(p.torch, k)]),
          ['total in operators', total(p.node), total(p.torch)],
          ['outside the session (optimizer in JS, copies)', p.node?.outside_ms !== undefined ? f1(p.node.outside_ms) : '–', '–'],
        ]),
      );
      if (p.node) {
        out.push('', 'slowest onnxruntime nodes:');
        out.push(table([['node', 'operator', 'ms'], ...p.node.top.map((n) => [n.name.slice(0, 80), n.op, f1(n.ms)])]));
      }
    }
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

await main();
if (!opt.json && !SKIP.has('onnx')) process.stdout.write(`\n${(await (await import('./onnx-import.ts')).onnxImportBench({ steps: STEPS, warmup: WARMUP, threads: THREADS, torch: !SKIP.has('torch') })).line}\n`);
