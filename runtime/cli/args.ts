// Arguments of `npm run graph`, parsed purely (argv in, options or a UsageError out).
import { parseArgs } from 'node:util';
import { jsonDepth } from '../../ml/untrusted/json-depth.ts';
import { LIMITS } from '../../ml/untrusted/limits.ts';
import type { GraphDoc } from '../document/schema.ts';
import type { ValidationError } from '../document/errors.ts';

export interface GraphArgs {
  graph: string;
  out: string;
  sets: ParamSet[];
  json: boolean;
  /** Worker threads; 0 runs every node on the main thread. */
  workers?: number;
  /** Folder of the persistent cache, or null for none. */
  cache: string | null;
  /** Redis URL: run the nodes on queue workers instead of local threads. */
  queue?: string;
  /** The shared store folder the queue's workers write to (required with --queue). */
  store?: string;
  nodeTimeoutMs?: number;
}

export interface ParamSet {
  nodeId: string;
  param: string;
  value: unknown;
}

/** Exit codes: 0 every requested output produced, 1 some were not, 2 the graph or the
 * arguments are invalid. */
export const EXIT = { ok: 0, failed: 1, invalid: 2 } as const;

export class UsageError extends Error {}

export const GRAPH_HELP = `Usage: npm run graph -- <graph.json> [--out <dir>] [--set <nodeId>.<param>=<value> ...] [--json]

Runs a graph headless and writes what its output nodes produce (Save Image files, Preview
grids as PNG) into --out.

Options:
  --out <dir>                       where outputs go (default: out)
  --set <nodeId>.<param>=<value>    override a parameter; the value is JSON when it parses
                                    as JSON (3, true, ["a.png"]), else a string; repeatable
  --json                            one JSON event per line instead of progress bars
  --workers <n>                     worker threads (default: cores − 1, at most 4; 0 = none)
  --cache <dir>                     persistent cache folder (default: .cache/graph)
  --no-cache                        do not read or write the persistent cache
  --queue <redis-url>               run the nodes on queue workers (npm run worker) instead
  --store <dir>                     the workers' shared store (required with --queue)
  --node-timeout <s>                with --queue: fail a node that runs longer than this
  -h, --help                        show this help

Ends with: nodes: N, ran: R, cached: C, failed: F
Exit codes: 0 every requested output was produced; 1 some were not; 2 invalid graph or arguments.`;

export function parseSet(text: string): ParamSet {
  const m = /^([^.=]+)\.([^=]+)=(.*)$/s.exec(text);
  if (!m) throw new UsageError(`--set expects <nodeId>.<param>=<value>, got "${text}"`);
  const [, nodeId, param, raw] = m;
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    // Not JSON: a plain string such as a prompt or a path.
  }
  if (jsonDepth(value, LIMITS.jsonDepth) > LIMITS.jsonDepth) throw new UsageError(`--set ${nodeId}.${param}: the value nests more than ${LIMITS.jsonDepth} levels deep (limit jsonDepth)`);
  return { nodeId, param, value };
}

export function parseGraphArgs(argv: readonly string[]): { help: true } | { help: false; args: GraphArgs } {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        set: { type: 'string', multiple: true },
        json: { type: 'boolean' },
        workers: { type: 'string' },
        cache: { type: 'string' },
        'no-cache': { type: 'boolean' },
        queue: { type: 'string' },
        store: { type: 'string' },
        'node-timeout': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { help: true };
  if (positionals.length !== 1) throw new UsageError(positionals.length ? `one graph file, got ${positionals.length}` : 'which graph? give a graph.json');
  let workers: number | undefined;
  if (values.workers !== undefined) {
    workers = Number(values.workers);
    if (!/^\d+$/.test(values.workers) || workers > 64) throw new UsageError(`--workers takes 0 to 64, got "${values.workers}"`);
  }
  const queue = parseQueueArgs(values);
  return {
    help: false,
    args: {
      ...queue,
      graph: positionals[0],
      out: values.out ?? 'out',
      sets: (values.set ?? []).map(parseSet),
      json: values.json ?? false,
      workers,
      cache: values['no-cache'] ? null : (values.cache ?? '.cache/graph'),
    },
  };
}

/** --queue, --store and --node-timeout, shared by `graph` and `batch`. */
export function parseQueueArgs(values: { queue?: string; store?: string; 'node-timeout'?: string }): Pick<GraphArgs, 'queue' | 'store' | 'nodeTimeoutMs'> {
  const { queue, store } = values;
  if (queue !== undefined && !/^rediss?:\/\//.test(queue)) throw new UsageError(`--queue takes a redis:// URL, got "${queue}"`);
  if (queue !== undefined && store === undefined) throw new UsageError('--queue needs --store <dir>, the folder its workers share');
  if (store !== undefined && queue === undefined) throw new UsageError('--store goes with --queue <redis-url>');
  const timeout = values['node-timeout'];
  const seconds = timeout === undefined ? undefined : Number(timeout);
  if (seconds !== undefined && !(seconds > 0 && seconds <= 7 * 24 * 3600)) throw new UsageError(`--node-timeout takes seconds > 0, got "${timeout}"`);
  return { queue, store, nodeTimeoutMs: seconds && Math.round(seconds * 1000) };
}

/** The document with --set overrides applied, or errors naming the node and param. */
export function applySets(doc: GraphDoc, sets: readonly ParamSet[]): { doc: GraphDoc; errors: ValidationError[] } {
  const errors: ValidationError[] = [];
  const nodes = doc.nodes.map((n) => ({ ...n, params: { ...n.params } }));
  for (const s of sets) {
    const node = nodes.find((n) => n.id === s.nodeId);
    if (!node) errors.push({ code: 'unknown-node', nodeId: s.nodeId, field: `params.${s.param}`, message: `--set names a node that is not in the graph` });
    // Defined, not assigned: a param named "__proto__" is a key like any other (and then refused by
    // the node's schema), never the params object's prototype.
    else Object.defineProperty(node.params, s.param, { value: s.value, enumerable: true, writable: true, configurable: true });
  }
  return { doc: { ...doc, nodes }, errors };
}
