// Run one job against a registry, in whatever thread this is. Shared by the in-process executor
// and the worker entry points, so a node behaves the same everywhere.
import type { Job, JobHooks } from './executor.ts';
import { JobError } from './executor.ts';
import type { Platform } from './platform.ts';
import type { AnyNodeDef } from './define-node.ts';
import { portsOf } from './node-ports.ts';
import type { Registry } from './registry.ts';
import type { NodeOutputs } from './values.ts';

export async function runJob(registry: Registry<AnyNodeDef>, platform: Platform, job: Job, hooks: JobHooks): Promise<NodeOutputs> {
  const def = registry.get(job.nodeType);
  if (!def) throw new JobError(`unknown node type ${job.nodeType}`, 'threw');
  hooks.signal.throwIfAborted();
  const params = def.params.parse(job.params) as Record<string, unknown>;
  // Resolve as soon as the signal aborts, whether or not the node notices: the scheduler must
  // not wait on a node that ignores cancellation.
  let onAbort!: () => void;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new JobError('cancelled', 'cancelled'));
    hooks.signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const outputs = await Promise.race([
      def.run({
        inputs: job.inputs as never,
        params,
        signal: hooks.signal,
        progress: hooks.onProgress,
        preview: hooks.onPreview,
        platform,
        document: def.flags.usesDocument ? job.document : undefined,
      }),
      aborted,
    ]);
    for (const name of Object.keys(portsOf(def, params).outputs))
      if (!outputs[name]) throw new JobError(`${def.title} returned no "${name}" output`, 'threw');
    return outputs;
  } catch (e) {
    if (e instanceof JobError) throw e;
    if (hooks.signal.aborted) throw new JobError('cancelled', 'cancelled');
    throw new JobError(e instanceof Error ? e.message : String(e), 'threw');
  } finally {
    hooks.signal.removeEventListener('abort', onAbort);
  }
}

/** What a node reads about its params without running (`describe`), in whatever thread this is. */
export async function describeNode(registry: Registry<AnyNodeDef>, platform: Platform, nodeType: string, params: Record<string, unknown>, signal: AbortSignal): Promise<unknown> {
  const def = registry.get(nodeType);
  if (!def) throw new Error(`unknown node type ${nodeType}`);
  if (!def.describe) throw new Error(`${def.title} has nothing to describe: its ports do not depend on a file`);
  const parsed = def.params.safeParse(params);
  if (!parsed.success) throw new Error(`${def.title}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'params'}: ${i.message}`).join('; ')}`);
  signal.throwIfAborted();
  return def.describe(parsed.data as Record<string, unknown>, platform, signal);
}
