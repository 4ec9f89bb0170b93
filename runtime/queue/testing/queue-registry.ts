// The app's nodes plus a few with known cost and known failure, for the queue's tests and its
// benchmark. Loaded into worker processes with `--registry`; never part of the app's registry.
import { existsSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { f32 } from '../../../ml/tensor.ts';
import { registry as app } from '../../../nodes/registry.ts';
import { createRegistry, defineNode, port } from '../../index.ts';

const tick = () => new Promise<void>((r) => setTimeout(r, 0));

/** A deterministic scalar from a number, so outputs differ per parameter and can be compared. */
const mix = (x: number) => {
  let h = Math.imul(x | 0, 0x9e3779b1) ^ 0x85ebca6b;
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  return ((h ^ (h >>> 13)) >>> 0) / 4294967296;
};

export const registry = createRegistry([
  ...app.list(),
  // Waits without using the CPU, in small steps that report progress and notice cancellation:
  // long enough to kill a process in the middle of it.
  defineNode({
    type: 'test/sleep',
    version: 1,
    title: 'Sleep',
    category: 'test',
    inputs: { image: port.image().optional() },
    outputs: { image: port.image(), metrics: port.metrics() },
    params: z.object({ ms: z.number().min(0).default(100), value: z.number().default(0) }),
    async run({ inputs, params, signal, progress }) {
      const steps = Math.max(1, Math.ceil(params.ms / 20));
      for (let i = 0; i < steps; i++) {
        signal.throwIfAborted();
        progress(i, steps);
        await new Promise((r) => setTimeout(r, params.ms / steps));
      }
      const v = mix(params.value * 1000 + Number(inputs.image?.tensor.data[0] ?? 0) * 1e6);
      // Same shape as the input (so it blends with it), values shifted by v.
      const t = inputs.image?.tensor ?? f32([1, 3, 2, 2], new Array(12).fill(0));
      return {
        image: { kind: 'image', tensor: f32([...t.shape], Array.from(t.data as Float32Array, (x) => (x + v) % 1)) },
        metrics: { kind: 'metrics', values: { value: params.value, score: v } },
      };
    },
  }),
  // Fixed CPU work (an integer hash loop), for measuring how work spreads over workers.
  defineNode({
    type: 'test/work',
    version: 1,
    title: 'Work',
    category: 'test',
    inputs: {},
    outputs: { metrics: port.metrics() },
    params: z.object({ iterations: z.number().int().min(0).default(1_000_000), seed: z.number().int().default(0) }),
    async run({ params, signal }) {
      let h = params.seed | 0;
      for (let i = 0; i < params.iterations; i++) {
        h = Math.imul(h ^ i, 0x5bd1e995) ^ (h >>> 13);
        if ((i & 0xfffff) === 0) {
          signal.throwIfAborted();
          await tick();
        }
      }
      return { metrics: { kind: 'metrics', values: { hash: h >>> 0 } } };
    },
  }),
  // Does nothing: what is left of a job's time is the queue's own.
  defineNode({
    type: 'test/noop',
    version: 1,
    title: 'No-op',
    category: 'test',
    inputs: {},
    outputs: { value: port.scalar() },
    params: z.object({ n: z.number().default(0) }),
    run: async ({ params }) => ({ value: { kind: 'scalar', value: params.n } }),
  }),
  // Kills its worker thread the first time (a crash, which may pass on another try), then works:
  // whether it ran before is a file, since the retry may run in another process.
  defineNode({
    type: 'test/flaky',
    version: 1,
    title: 'Flaky',
    category: 'test',
    inputs: {},
    outputs: { value: port.scalar() },
    params: z.object({ marker: z.string() }),
    async run({ params }) {
      if (!existsSync(params.marker)) {
        writeFileSync(params.marker, 'crashed once');
        process.exit(7);
      }
      return { value: { kind: 'scalar', value: 1 } };
    },
  }),
  // With `fail` set it always throws: an error in the graph, which no retry can fix. Without,
  // it passes its image through.
  defineNode({
    type: 'test/fail',
    version: 1,
    title: 'Fails',
    category: 'test',
    inputs: { image: port.image() },
    outputs: { image: port.image() },
    params: z.object({ fail: z.boolean().default(true) }),
    run: async ({ inputs, params }) => {
      if (params.fail) throw new Error('this node always fails');
      return { image: inputs.image };
    },
  }),
]);
