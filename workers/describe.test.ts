// A node's `describe` (what it reads about its params without running) reaches the node the same
// way through the in-process executor, the worker pool and the runtime: the ONNX Model node reads
// its file's inputs and outputs; a file that cannot be read and a node with nothing to describe
// fail with messages that say so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registry } from '../nodes/registry.ts';
import { createRuntime, inProcessExecutor, type Runtime } from '../runtime/index.ts';
import { nodePlatform } from '../runtime/node/index.ts';
import type { WorkerPool } from '../runtime/pool.ts';
import { nodeWorkerPool } from './node-pool.ts';

const GENERATOR = 'models/onnx-generator/generator.onnx';
const GENERATOR_PORTS = {
  inputs: [{ name: 'z', dtype: 'float32', shape: [1, 32] }],
  outputs: [{ name: 'image', dtype: 'float32', shape: [1, 3, 16, 16] }],
};

let pool: WorkerPool;
beforeAll(() => {
  pool = nodeWorkerPool({ size: 1 });
});
afterAll(() => pool.dispose());

const hosts: [string, () => Runtime][] = [
  ['in process', () => createRuntime({ registry, executor: inProcessExecutor(registry, nodePlatform()) })],
  ['in a worker', () => createRuntime({ registry, executor: pool })],
];

describe.each(hosts)('describe %s', (_, make) => {
  it('reads an ONNX Model file\'s inputs and outputs', async () => {
    expect(await make().describe('onnx-model', { source: GENERATOR })).toEqual(GENERATOR_PORTS);
    // The batch param sets a symbolic batch dimension only; the generator's is fixed.
    expect(await make().describe('onnx-model', { source: GENERATOR, batch: 2 })).toEqual(GENERATOR_PORTS);
  });

  it('names what went wrong: a missing file, params that do not parse, a node with nothing to describe', async () => {
    const rt = make();
    await expect(rt.describe('onnx-model', { source: 'models/none/missing.onnx' })).rejects.toThrow(/missing\.onnx/);
    await expect(rt.describe('onnx-model', { source: '' })).rejects.toThrow(/ONNX Model: source:/);
    await expect(rt.describe('blend', {})).rejects.toThrow(/Blend has nothing to describe/);
    await expect(rt.describe('no-such-node', {})).rejects.toThrow(/unknown node type no-such-node/);
  });
});

it('a pool still runs jobs after a describe fails', async () => {
  const rt = createRuntime({ registry, executor: pool });
  await expect(rt.describe('onnx-model', { source: 'models/none/missing.onnx' })).rejects.toThrow();
  const r = await rt.run({ version: 2, nodes: [{ id: 'g', type: 'onnx-model', params: { source: GENERATOR }, position: { x: 0, y: 0 } }], edges: [] }, { outputs: ['g'] }).done;
  expect(r.nodeErrors.size).toBe(0);
  expect(r.status).toBe('finished');
});
