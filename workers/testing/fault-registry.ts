// The app's nodes plus nodes that break on purpose, for testing how the pool survives them.
// Loaded into workers through the registryModule option; never part of the app's registry.
import { z } from 'zod';
import { registry as app } from '../../nodes/registry.ts';
import { createRegistry, defineNode, port } from '../../runtime/index.ts';

const fault = (type: string, title: string, run: (signal: AbortSignal) => Promise<never> | never) =>
  defineNode({
    type: `test/${type}`,
    version: 1,
    title,
    category: 'test',
    inputs: { image: port.image().optional() },
    outputs: { image: port.image() },
    params: z.object({ n: z.number().default(0) }),
    run: async ({ signal }) => run(signal),
  });

export const registry = createRegistry([
  ...app.list(),
  // Throws from a timer, outside the node's own promise: the worker dies of it.
  fault('throw-outside', 'Throw outside', () => {
    setTimeout(() => {
      throw new Error('thrown from a timer');
    }, 1);
    return new Promise<never>(() => {});
  }),
  fault('exit', 'Exit', () => process.exit(3)),
  // JS objects (not typed arrays) so the worker's heap limit is what runs out.
  fault('oom', 'Out of memory', () => {
    const hoard: object[] = [];
    for (;;) hoard.push({ a: Math.random(), b: [1, 2, 3], c: 'x'.repeat(16) + hoard.length });
  }),
  // Never yields and never reads its signal: only terminating the thread stops it.
  fault('spin', 'Spin', () => {
    for (;;);
  }),
]);
