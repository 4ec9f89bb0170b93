// The simplest executor: every node runs on this thread. Used by tests, by hosts without
// workers, and as the reference the worker pool must agree with.
import type { Executor } from './executor.ts';
import type { Platform } from './platform.ts';
import type { AnyNodeDef } from './define-node.ts';
import type { Registry } from './registry.ts';
import { describeNode, runJob } from './run-node.ts';

export function inProcessExecutor(registry: Registry<AnyNodeDef>, platform: Platform): Executor {
  return {
    lends: false,
    async execute(job, hooks) {
      hooks.onStart();
      return { outputs: await runJob(registry, platform, job, hooks) };
    },
    describe: (nodeType, params, signal) => describeNode(registry, platform, nodeType, params, signal),
    async dispose() {},
  };
}
