// `npm run graph -- <graph.json> ...`: run a graph headless in Node on a worker_threads pool,
// write its outputs, end with one summary line. This file is the Node composition root (it
// wires the registry, the workers, the file cache and the file system together), so it is the
// one place in runtime/ that reaches into workers/.
import { dirname, join, resolve } from 'node:path';
import { LimitError } from '../../ml/untrusted/limits.ts';
import { registry } from '../../nodes/registry.ts';
import { nodeWorkerPool } from '../../workers/node-pool.ts';
import { formatError, type ValidationError } from '../document/errors.ts';
import { parseGraphText } from '../document/parse.ts';
import type { Executor } from '../executor.ts';
import { inProcessExecutor } from '../in-process.ts';
import { fileStore } from '../node/file-store.ts';
import { queueRuntimeParts } from '../queue/host.ts';
import { nodePlatform } from '../node/platform.ts';
import { readUserFile } from '../node/read-file.ts';
import { createRuntime } from '../scheduler.ts';
import { validateGraph } from '../validate.ts';
import { applySets, EXIT, GRAPH_HELP, parseGraphArgs, UsageError, type GraphArgs } from './args.ts';
import { plannedFiles } from './outputs.ts';
import { eventJson, summaryLine, textReporter } from './report.ts';
import { outputDirProblem, writeOutputs } from './write-outputs.ts';

export interface CliIo {
  stdout(s: string): void;
  stderr(s: string): void;
  tty: boolean;
  cwd: string;
  /** Aborting it cancels the run (the entry point wires Ctrl-C to it). */
  signal?: AbortSignal;
}

export async function runGraphCli(argv: readonly string[], io: CliIo): Promise<number> {
  let args: GraphArgs;
  try {
    const parsed = parseGraphArgs(argv);
    if (parsed.help) {
      io.stdout(`${GRAPH_HELP}\n`);
      return EXIT.ok;
    }
    args = parsed.args;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr(`graph: ${e.message}\n${GRAPH_HELP}\n`);
    return EXIT.invalid;
  }

  const invalid = (errors: ValidationError[]) => {
    if (args.json) for (const e of errors) io.stdout(`${JSON.stringify({ type: 'validation-error', ...e })}\n`);
    else for (const e of errors) io.stderr(`graph: ${formatError(e)}\n`);
    return EXIT.invalid;
  };

  const path = resolve(io.cwd, args.graph);
  let text: string;
  try {
    if (args.graph.includes('\0')) throw new Error('a file name cannot hold a NUL character');
    text = new TextDecoder().decode(await readUserFile(path, { limit: 'graphBytes' }));
  } catch (e) {
    if (e instanceof LimitError) return invalid([{ code: 'too-large', message: `graph file ${args.graph} ${e.message}` }]);
    io.stderr(`graph: cannot read ${args.graph}: ${(e as Error).message}\n`);
    return EXIT.invalid;
  }
  const parsed = parseGraphText(text);
  if (!parsed.ok) return invalid(parsed.errors);
  const { doc, errors: setErrors } = applySets(parsed.doc, args.sets);
  const errors = [...setErrors, ...validateGraph(doc, registry)];
  if (errors.length) return invalid(errors);
  const outDir = resolve(io.cwd, args.out);
  const outProblem = await outputDirProblem(outDir);
  if (outProblem) {
    io.stderr(`graph: --out ${args.out} ${outProblem}\n`);
    return EXIT.invalid;
  }

  const baseDir = dirname(path);
  // With --queue the workers' shared store is the persistent cache; there is no local one.
  const queued = args.queue ? queueRuntimeParts({ redisUrl: args.queue, storeDir: resolve(io.cwd, args.store!), nodeTimeoutMs: args.nodeTimeoutMs }) : undefined;
  const executor: Executor =
    queued?.executor ?? (args.workers === 0 ? inProcessExecutor(registry, nodePlatform(baseDir)) : nodeWorkerPool({ size: args.workers, baseDir }));
  const titles = new Map(doc.nodes.map((n) => [n.id, `${n.id} (${registry.get(n.type)?.title ?? n.type})`]));
  const report = args.json ? (e: Parameters<typeof eventJson>[0]) => io.stdout(`${eventJson(e)}\n`) : textReporter(io.stdout, io.tty, (id) => titles.get(id) ?? id);
  try {
    const runtime = createRuntime({
      registry,
      executor,
      persistent: queued?.persistent ?? (args.cache === null ? undefined : fileStore(resolve(io.cwd, args.cache))),
      persistAll: queued !== undefined,
    });
    const handle = runtime.run(doc, { onEvent: report });
    const cancel = () => handle.cancel();
    if (io.signal?.aborted) cancel();
    io.signal?.addEventListener('abort', cancel, { once: true });
    const result = await handle.done;
    io.signal?.removeEventListener('abort', cancel);
    const files = plannedFiles(result.outputs);
    try {
      await writeOutputs(outDir, files);
    } catch (e) {
      io.stderr(`graph: cannot write the outputs into ${args.out}: ${(e as Error).message}\n`);
      return EXIT.failed;
    }
    const allProduced = result.status === 'finished' && result.requested.every((id) => result.outputs.has(id));
    if (args.json) io.stdout(`${JSON.stringify({ type: 'summary', ...result.stats, written: files.map((f) => join(args.out, f.name)) })}\n`);
    else {
      for (const f of files) io.stdout(`  wrote   ${join(args.out, f.name)}\n`);
      io.stdout(`${summaryLine(result.stats)}\n`);
    }
    return allProduced ? EXIT.ok : EXIT.failed;
  } finally {
    await executor.dispose();
  }
}
