// `npm run batch -- <graph.json> --each <nodeId.param>=<values> [--grid …]`: one graph fanned out
// over values and grids, on queue workers (--queue, --store) or on local threads. One progress
// line per graph; each graph's outputs in <out>/<nnn>/; a CSV of every output metric with the
// values that produced it. A composition root like graph-cli.ts.
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { glob } from 'tinyglobby';
import { registry as appRegistry } from '../../nodes/registry.ts';
import { nodeWorkerPool } from '../../workers/node-pool.ts';
import { runBatch, type GraphState } from '../batch/run-batch.ts';
import { metricsOf, toCsv } from '../batch/csv.ts';
import { axisName, BatchError, expandVariants, isGlob, parseAxisSpec, parseValueList, type Axis, type AxisValue } from '../batch/variants.ts';
import { defaultParams, type AnyNodeDef } from '../define-node.ts';
import { formatError } from '../document/errors.ts';
import type { GraphDoc } from '../document/schema.ts';
import { MAX_GRAPH_BYTES, parseGraphText } from '../document/parse.ts';
import type { Executor } from '../executor.ts';
import { nodePlatform } from '../node/platform.ts';
import { inProcessExecutor } from '../in-process.ts';
import { queueRuntimeParts } from '../queue/host.ts';
import type { Registry } from '../registry.ts';
import { createRuntime } from '../scheduler.ts';
import { EXIT, parseQueueArgs, UsageError } from './args.ts';
import type { CliIo } from './graph-cli.ts';
import { plannedFiles } from './outputs.ts';
import { bar } from './report.ts';

export const BATCH_HELP = `Usage: npm run batch -- <graph.json> --each <nodeId>.<param>=<values> [--grid <nodeId>.<param>=<values> ...]
                       [--queue <redis-url> --store <dir>] [--out <dir>] [--csv <file>]

Runs one graph many times: --each axes go together (the i-th value of each makes graph i),
--grid axes multiply (every combination, crossed with the --each graphs).

Values:  [0.1, 0.5, 1]      a JSON array
         0.1,0.5,1          a comma-separated list (items that parse as JSON are JSON)
         concepts/*/        a files glob (relative to the current folder); a folder stands for
                            the files in it, and a param that holds a list gets a list

Options:
  --queue <redis-url>   run the nodes on queue workers (npm run worker); needs --store
  --store <dir>         the workers' shared store folder
  --node-timeout <s>    with --queue: fail a node that runs longer than this
  --workers <n>         without --queue: local worker threads (default 1; 0 = main thread)
  --parallel <n>        graphs in flight at once (default 8)
  --out <dir>           outputs of graph i go to <dir>/<i> (default: out/batch)
  --csv <file>          the table of metrics (default: <out>/results.csv)
  --json                one JSON line per graph as it ends, instead of progress lines
  -h, --help            show this help

Ctrl-C cancels the batch. Exit codes: 0 every graph produced its outputs; 1 some did not;
2 invalid graph or arguments.`;

export interface BatchCliDeps {
  /** The node registry; the app's by default (tests add nodes). */
  registry?: Registry<AnyNodeDef>;
  /** Aborting it cancels the batch (the entry point wires Ctrl-C to it). */
  signal?: AbortSignal;
}

const IMAGE_FILE = /\.(png|jpe?g|webp)$/i;

/** A glob's matches as values: a folder stands for the image files in it. */
async function globValues(pattern: string, cwd: string, wantsList: boolean): Promise<AxisValue[]> {
  const matches = (await glob(pattern, { cwd, absolute: true, onlyFiles: false, expandDirectories: false })).sort();
  if (!matches.length) throw new BatchError(`"${pattern}" matches no file in ${cwd}`);
  const values: AxisValue[] = [];
  for (const m of matches) {
    const label = relative(cwd, m) || m;
    if ((await stat(m)).isDirectory()) {
      const files = (await readdir(m)).filter((f) => IMAGE_FILE.test(f) && !f.startsWith('.')).sort().map((f) => join(m, f));
      if (!files.length) throw new BatchError(`folder ${label} (from "${pattern}") holds no image file`);
      values.push({ value: wantsList ? files : files[0], label });
    } else values.push({ value: wantsList ? [m] : m, label });
  }
  return values;
}

export async function runBatchCli(argv: readonly string[], io: CliIo, deps: BatchCliDeps = {}): Promise<number> {
  const registry = deps.registry ?? appRegistry;
  const usage = (message: string) => {
    io.stderr(`batch: ${message}\n`);
    return EXIT.invalid;
  };
  let values, positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        each: { type: 'string', multiple: true },
        grid: { type: 'string', multiple: true },
        queue: { type: 'string' },
        store: { type: 'string' },
        'node-timeout': { type: 'string' },
        workers: { type: 'string' },
        parallel: { type: 'string' },
        out: { type: 'string' },
        csv: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    return usage(`${(e as Error).message}\n${BATCH_HELP}`);
  }
  if (values.help) {
    io.stdout(`${BATCH_HELP}\n`);
    return EXIT.ok;
  }
  if (positionals.length !== 1) return usage(positionals.length ? `one graph file, got ${positionals.length}` : 'which graph? give a graph.json');
  let queueArgs;
  try {
    queueArgs = parseQueueArgs(values);
  } catch (e) {
    return usage((e as UsageError).message);
  }
  const int = (name: string, text: string | undefined, min: number, max: number, fallback: number) => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!/^\d+$/.test(text) || n < min || n > max) throw new UsageError(`--${name} takes ${min} to ${max}, got "${text}"`);
    return n;
  };
  let parallel: number;
  let workers: number;
  try {
    parallel = int('parallel', values.parallel, 1, 1000, 8);
    workers = int('workers', values.workers, 0, 64, 1);
  } catch (e) {
    return usage((e as Error).message);
  }

  // The graph.
  const path = resolve(io.cwd, positionals[0]);
  let doc: GraphDoc;
  try {
    const { size } = await stat(path);
    if (size > MAX_GRAPH_BYTES) return usage(`graph file is ${size} bytes, the limit is ${MAX_GRAPH_BYTES}`);
    const parsed = parseGraphText(await readFile(path, 'utf8'));
    if (!parsed.ok) {
      for (const e of parsed.errors) io.stderr(`batch: ${formatError(e)}\n`);
      return EXIT.invalid;
    }
    doc = parsed.doc;
  } catch (e) {
    return usage(`cannot read ${positionals[0]}: ${(e as Error).message}`);
  }

  // The axes.
  const axes = async (specs: readonly string[], flag: string): Promise<Axis[]> => {
    const out: Axis[] = [];
    for (const text of specs) {
      const spec = parseAxisSpec(text, flag);
      const node = doc.nodes.find((n) => n.id === spec.nodeId);
      if (!node) throw new BatchError(`${flag} ${axisName(spec)}: there is no node "${spec.nodeId}" in the graph`);
      const def = registry.get(node.type);
      const current = node.params[spec.param] ?? (def ? defaultParams(def)[spec.param] : undefined);
      const list = isGlob(spec.values) ? await globValues(spec.values, io.cwd, Array.isArray(current)) : parseValueList(spec.values);
      out.push({ nodeId: spec.nodeId, param: spec.param, values: list });
    }
    return out;
  };
  let variants;
  let axisNames: string[];
  try {
    const each = await axes(values.each ?? [], '--each');
    const grid = await axes(values.grid ?? [], '--grid');
    if (!each.length && !grid.length) throw new BatchError('nothing to fan out over: give --each or --grid');
    variants = expandVariants(each, grid);
    axisNames = [...each, ...grid].map(axisName);
  } catch (e) {
    if (e instanceof BatchError) return usage(e.message);
    throw e;
  }

  const outDir = resolve(io.cwd, values.out ?? join('out', 'batch'));
  const csvPath = values.csv ? resolve(io.cwd, values.csv) : join(outDir, 'results.csv');
  const baseDir = dirname(path);
  const queued = queueArgs.queue
    ? queueRuntimeParts({ redisUrl: queueArgs.queue, storeDir: resolve(io.cwd, queueArgs.store!), nodeTimeoutMs: queueArgs.nodeTimeoutMs })
    : undefined;
  const executor: Executor =
    queued?.executor ?? (workers === 0 ? inProcessExecutor(registry, nodePlatform(baseDir)) : nodeWorkerPool({ size: workers, baseDir }));
  const runtime = createRuntime({ registry, executor, persistent: queued?.persistent, persistAll: queued !== undefined });

  const width = String(variants.length).length;
  const label = (s: GraphState) => s.variant.assignments.map((a) => `${axisName(a)}=${a.label}`).join(' ');
  const line = (s: GraphState) => {
    const head = `[${String(s.variant.index + 1).padStart(width)}/${variants.length}] ${label(s)}`;
    switch (s.status) {
      case 'waiting':
        return `${head}  waiting`;
      case 'running': {
        const f = s.toRun ? (s.ended + (s.current?.fraction ?? 0)) / s.toRun : 0;
        return `${head}  ${bar(f, 1, 16)} ${s.ended}/${s.toRun} nodes${s.current ? `  ${s.current.nodeId}` : ''}`;
      }
      case 'done':
        return `${head}  done  ran ${s.result!.stats.ran}, cached ${s.result!.stats.cached}, ${((s.ms ?? 0) / 1000).toFixed(1)} s`;
      case 'failed':
        return `${head}  FAILED  ${s.errors.join('; ') || 'an output was not produced'}`;
      case 'cancelled':
        return `${head}  cancelled`;
      case 'invalid':
        return `${head}  INVALID  ${s.errors.join('; ')}`;
    }
  };

  // On a terminal, one line per graph redrawn in place; elsewhere, a line when a graph starts or ends.
  let drawn = 0;
  let lastDraw = 0;
  const redraw = (states: readonly GraphState[], force = false) => {
    const now = performance.now();
    if (!force && now - lastDraw < 100) return;
    lastDraw = now;
    io.stdout(`${drawn ? `\x1b[${drawn}A` : ''}${states.map((s) => `\r\x1b[K${line(s)}\n`).join('')}`);
    drawn = states.length;
  };
  const lastStatus = new Map<number, string>();
  let batch: ReturnType<typeof runBatch> | undefined;
  const onUpdate = (s: GraphState) => {
    if (values.json) {
      if (['done', 'failed', 'cancelled', 'invalid'].includes(s.status))
        io.stdout(`${JSON.stringify({ type: 'graph', index: s.variant.index, status: s.status, params: Object.fromEntries(s.variant.assignments.map((a) => [axisName(a), a.value])), errors: s.errors, metrics: s.result ? metricsOf(s.result.outputs) : {}, ms: s.ms })}\n`);
    } else if (io.tty) {
      if (batch) redraw(batch.states);
    } else if (s.status !== 'running' && s.status !== 'waiting' && lastStatus.get(s.variant.index) !== s.status) {
      lastStatus.set(s.variant.index, s.status);
      io.stdout(`${line(s)}\n`);
    }
  };

  const onAbort = () => batch?.cancel();
  deps.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    batch = runBatch(runtime, registry, doc, variants, { parallel, onUpdate });
    if (deps.signal?.aborted) batch.cancel();
    const states = await batch.done;
    if (io.tty && !values.json) redraw(states, true);

    // Outputs and the table.
    const rows: Record<string, unknown>[] = [];
    for (const s of states) {
      const row: Record<string, unknown> = { graph: s.variant.index + 1, status: s.status };
      for (const a of s.variant.assignments) row[axisName(a)] = a.label;
      if (s.result) {
        const files = plannedFiles(s.result.outputs);
        const dir = join(outDir, String(s.variant.index + 1).padStart(width, '0'));
        if (files.length) await mkdir(dir, { recursive: true });
        for (const f of files) await writeFile(join(dir, f.name), f.bytes);
        Object.assign(row, metricsOf(s.result.outputs));
        row.seconds = Number(((s.ms ?? 0) / 1000).toFixed(3));
      }
      if (s.errors.length) row.error = s.errors.join('; ');
      rows.push(row);
    }
    await mkdir(dirname(csvPath), { recursive: true });
    await writeFile(csvPath, toCsv(rows, ['graph', 'status', ...axisNames]));
    const count = (st: GraphState['status']) => states.filter((s) => s.status === st).length;
    const summary = { graphs: states.length, done: count('done'), failed: count('failed') + count('invalid'), cancelled: count('cancelled') };
    if (values.json) io.stdout(`${JSON.stringify({ type: 'summary', ...summary, csv: relative(io.cwd, csvPath) })}\n`);
    else io.stdout(`  wrote   ${relative(io.cwd, csvPath)}\ngraphs: ${summary.graphs}, done: ${summary.done}, failed: ${summary.failed}, cancelled: ${summary.cancelled}\n`);
    return summary.done === summary.graphs ? EXIT.ok : EXIT.failed;
  } finally {
    deps.signal?.removeEventListener('abort', onAbort);
    await executor.dispose();
  }
}
