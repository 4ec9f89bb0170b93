// `npm run worker -- --redis <url> --store <dir> [--concurrency N]`: a queue worker process.
// Node jobs run on a pool of worker threads of the same size as the concurrency, so this thread
// stays free to renew BullMQ's job locks however heavy a node is. Another composition root (like
// graph-cli.ts), so it is allowed to reach into workers/.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { nodeWorkerPool } from '../../workers/node-pool.ts';
import { startQueueWorker, type QueueWorker } from '../queue/worker.ts';
import { sharedStore } from '../queue/store.ts';
import { EXIT, UsageError } from './args.ts';
import type { CliIo } from './graph-cli.ts';

export const WORKER_HELP = `Usage: npm run worker -- --redis <url> --store <dir> [--concurrency N]

Takes node jobs from the queue in Redis and runs them; results go to the shared store.
Run one per machine (or more), all pointing at the same Redis and the same store folder.

Options:
  --redis <url>          Redis to take jobs from, e.g. redis://10.0.0.5:6379 (required)
  --store <dir>          shared store folder, the same for every worker and submitter (required)
  --concurrency <n>      nodes run at once, each on its own thread (default 1)
  --base-dir <dir>       folder that relative file names in graphs are resolved against
                         (default: the current folder)
  --lock-ms <ms>         job lock; a job whose worker died is taken up again after about
                         this long (default 30000)
  --max-node-s <s>       stop any node running longer than this
  --registry <module>    module exporting the node registry (default: the app's nodes)
  -h, --help             show this help

Stops on SIGINT or SIGTERM after its running jobs finish (a second signal stops at once).`;

export interface WorkerArgs {
  redis: string;
  store: string;
  concurrency: number;
  baseDir: string;
  lockMs: number;
  maxNodeMs?: number;
  registry?: string;
}

const int = (name: string, text: string | undefined, min: number, max: number): number | undefined => {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) throw new UsageError(`--${name} takes ${min} to ${max}, got "${text}"`);
  return n;
};

export function parseWorkerArgs(argv: readonly string[], cwd: string): { help: true } | { help: false; args: WorkerArgs } {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        redis: { type: 'string' },
        store: { type: 'string' },
        concurrency: { type: 'string' },
        'base-dir': { type: 'string' },
        'lock-ms': { type: 'string' },
        'max-node-s': { type: 'string' },
        registry: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) return { help: true };
  if (!values.redis) throw new UsageError('--redis <url> is required');
  if (!/^rediss?:\/\//.test(values.redis)) throw new UsageError(`--redis takes a redis:// URL, got "${values.redis}"`);
  if (!values.store) throw new UsageError('--store <dir> is required');
  const maxNodeS = int('max-node-s', values['max-node-s'], 1, 7 * 24 * 3600);
  return {
    help: false,
    args: {
      redis: values.redis,
      store: resolve(cwd, values.store),
      concurrency: int('concurrency', values.concurrency, 1, 64) ?? 1,
      baseDir: resolve(cwd, values['base-dir'] ?? '.'),
      lockMs: int('lock-ms', values['lock-ms'], 200, 3_600_000) ?? 30_000,
      maxNodeMs: maxNodeS && maxNodeS * 1000,
      registry: values.registry && pathToFileURL(resolve(cwd, values.registry)).href,
    },
  };
}

/** Starts the worker; resolves with it once it listens (the CLI keeps running until a signal). */
export async function startWorkerCli(argv: readonly string[], io: CliIo): Promise<QueueWorker | number> {
  let args: WorkerArgs;
  try {
    const parsed = parseWorkerArgs(argv, io.cwd);
    if (parsed.help) {
      io.stdout(`${WORKER_HELP}\n`);
      return EXIT.ok;
    }
    args = parsed.args;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr(`worker: ${e.message}\n${WORKER_HELP}\n`);
    return EXIT.invalid;
  }
  const worker = startQueueWorker({
    redisUrl: args.redis,
    store: sharedStore(args.store),
    executor: nodeWorkerPool({ size: args.concurrency, baseDir: args.baseDir, registryModule: args.registry }),
    concurrency: args.concurrency,
    lockMs: args.lockMs,
    maxNodeMs: args.maxNodeMs,
    log: (line) => io.stdout(`${new Date().toISOString()} ${line}\n`),
  });
  await worker.ready();
  io.stdout(`worker ${worker.id} ready: ${args.concurrency} thread(s), store ${args.store}\n`);
  return worker;
}
