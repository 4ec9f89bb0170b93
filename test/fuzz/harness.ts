// Runs inputs in a child process with a per-input time limit and a memory limit (its resident
// size, sampled every 50 ms, so native allocations count too) and judges each outcome. A hang, an
// out-of-memory or a crash ends the child; the next input gets a fresh one.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Surface, TIME_LIMIT_MS, type Verdict } from './surfaces.ts';

export type Outcome = 'accepted' | 'refused' | 'crash' | 'hang' | 'oom' | 'internal' | 'escape';
export const BAD: readonly Outcome[] = ['crash', 'hang', 'oom', 'internal', 'escape'];

export interface Result {
  outcome: Outcome;
  message?: string;
  ms: number;
}

/** Resident memory one input may grow the child to. */
export const MEMORY_LIMIT_BYTES = 3 * 1024 ** 3;

/** Words of a library's or the engine's internals, never of the problem. */
const INTERNAL = [
  /Cannot read propert/i,
  /Cannot set propert/i,
  /is not a function/,
  /is not iterable/,
  /is not defined/,
  /DataView/,
  /typed array/i,
  /Maximum call stack/,
  /Invalid array length/,
  /Array buffer allocation failed/,
  /index out of range|out of bounds/i,
  /Offset is outside/,
  /heap out of memory/,
];
// Not "[object Object]": a fuzzed ONNX file may really name a value that, and a message that
// quotes the file is right to say so.

export function looksInternal(message: string | undefined): boolean {
  return message !== undefined && INTERNAL.some((re) => re.test(message));
}

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Pending {
  resolve(r: Result): void;
  start: number;
}

export class FuzzChild {
  private proc?: ChildProcess;
  private ready?: Promise<void>;
  private pending?: Pending;
  private stderr = '';
  private nextId = 0;

  private start(): Promise<void> {
    this.stderr = '';
    const proc = spawn(process.execPath, ['--import', 'tsx', '--max-old-space-size=2048', CHILD], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    this.proc = proc;
    proc.stderr!.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
    const ready = new Promise<void>((resolve, reject) => {
      const onMessage = (m: { ready?: boolean }) => {
        if (m.ready) {
          proc.off('message', onMessage);
          resolve();
        }
      };
      proc.on('message', onMessage);
      proc.once('exit', (code) => reject(new Error(`the fuzzing child exited with ${code} before it was ready: ${this.stderr}`)));
    });
    proc.on('message', (m: Reply & { id?: number }) => {
      if (m.id === undefined || !this.pending) return;
      const ms = performance.now() - this.pending.start;
      this.finish(judge(m, ms));
    });
    proc.on('exit', (code, signal) => {
      if (this.proc === proc) this.proc = undefined;
      if (!this.pending) return;
      const ms = performance.now() - this.pending.start;
      const oom = /heap out of memory|allocation failed|Out of memory/i.test(this.stderr);
      this.finish({ outcome: oom ? 'oom' : 'crash', message: `child exited (${signal ?? code}): ${this.stderr.trim().split('\n').slice(-3).join(' | ')}`, ms });
    });
    return ready;
  }

  private finish(r: Result) {
    const p = this.pending;
    this.pending = undefined;
    p?.resolve(r);
  }

  private kill(r: Result) {
    const proc = this.proc;
    this.proc = undefined;
    this.ready = undefined;
    this.finish(r);
    proc?.kill('SIGKILL');
  }

  async run(surface: Surface, input: Uint8Array): Promise<Result> {
    if (!this.proc) this.ready = this.start();
    await this.ready;
    const proc = this.proc!;
    const start = performance.now();
    const result = new Promise<Result>((resolve) => (this.pending = { resolve, start }));
    const limit = TIME_LIMIT_MS[surface];
    const timer = setTimeout(() => this.kill({ outcome: 'hang', message: `no answer within ${limit} ms`, ms: performance.now() - start }), limit);
    const memory = setInterval(() => {
      const rss = residentBytes(proc.pid!);
      if (rss > MEMORY_LIMIT_BYTES) this.kill({ outcome: 'oom', message: `resident memory reached ${(rss / 1024 ** 3).toFixed(1)} GiB`, ms: performance.now() - start });
    }, 50);
    proc.send({ id: this.nextId++, surface, data: Buffer.from(input).toString('base64') });
    try {
      return await result;
    } finally {
      clearTimeout(timer);
      clearInterval(memory);
    }
  }

  async dispose(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    if (proc && proc.exitCode === null) {
      const gone = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGKILL');
      await gone;
    }
  }
}

type Reply = Omit<Verdict, 'outcome'> & { outcome: Verdict['outcome'] | 'thrown'; name?: string; stack?: string };

function judge(m: Reply, ms: number): Result {
  if (m.outcome === 'thrown') return { outcome: 'crash', message: `${m.name}: ${m.message} ${m.stack?.split('\n').slice(1, 3).join(' ') ?? ''}`, ms };
  if (m.escaped?.length) return { outcome: 'escape', message: `wrote ${m.escaped.join(', ')}`, ms };
  if (looksInternal(m.message)) return { outcome: 'internal', message: m.message, ms };
  return { outcome: m.outcome === 'accepted' ? 'accepted' : 'refused', message: m.message, ms };
}

function residentBytes(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}
