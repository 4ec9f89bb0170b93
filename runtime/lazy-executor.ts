// An executor made on first use. Starting a worker pool parses every node's run code on another
// thread; on a busy machine that competes with the editor's first render, so the host starts
// the pool when it is idle (`warm`) or when the first job arrives, whichever comes first.
import type { Executor } from './executor.ts';

export interface LazyExecutor extends Executor {
  /** Make the executor now, if it was not made yet. */
  warm(): void;
}

export function lazyExecutor(create: () => Executor, options: { lends: boolean }): LazyExecutor {
  let made: Executor | undefined;
  const get = () => (made ??= create());
  return {
    lends: options.lends,
    warm: () => void get(),
    execute: (job, hooks) => get().execute(job, hooks),
    describe: async (nodeType, params, signal) => {
      const made = get();
      if (!made.describe) throw new Error('this host cannot read a node\'s file');
      return made.describe(nodeType, params, signal);
    },
    dispose: async () => made?.dispose(),
  };
}
