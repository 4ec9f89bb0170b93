// Real worker processes (`npm run worker`) for tests and the benchmark, started with the test
// registry, and killable with SIGKILL as a crash or a pulled plug would.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ENTRY = fileURLToPath(new URL('../../cli/worker.ts', import.meta.url));
const REGISTRY = fileURLToPath(new URL('./queue-registry.ts', import.meta.url));

export interface WorkerProcess {
  pid: number;
  /** What it printed so far. */
  log(): string;
  kill(): Promise<void>;
  /** SIGTERM: finish running jobs, then exit. */
  stop(): Promise<void>;
}

export interface WorkerProcessOptions {
  redisUrl: string;
  storeDir: string;
  concurrency?: number;
  lockMs?: number;
  baseDir?: string;
}

export async function startWorkerProcess(o: WorkerProcessOptions): Promise<WorkerProcess> {
  const args = ['--import', 'tsx', ENTRY, '--redis', o.redisUrl, '--store', o.storeDir, '--registry', REGISTRY];
  args.push('--concurrency', String(o.concurrency ?? 1), '--lock-ms', String(o.lockMs ?? 1500));
  if (o.baseDir) args.push('--base-dir', o.baseDir);
  const child: ChildProcess = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await new Promise<void>((resolve, reject) => {
    const check = setInterval(() => {
      if (/ready: /.test(out)) done();
      else if (child.exitCode !== null) done(new Error(`worker exited (${child.exitCode}): ${out}`));
    }, 50);
    const timer = setTimeout(() => done(new Error(`worker not ready after 90 s: ${out}`)), 90_000);
    function done(e?: Error) {
      clearInterval(check);
      clearTimeout(timer);
      if (e) reject(e);
      else resolve();
    }
  });
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  return {
    pid: child.pid!,
    log: () => out,
    async kill() {
      if (gone()) return;
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (gone()) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}
