// `npm run bench:runtime`: the runtime's three numbers.
//   1. re-running a fully cached 50-node graph (target < 20 ms)
//   2. median dispatch overhead per node through the worker pool (target < 1 ms)
//   3. bytes copied per edge for a 4 MB tensor (target: 0, the tensor only ever moves by transfer)
import type { Endpoint } from 'comlink';
import { registry } from '../nodes/registry.ts';
import { createRuntime, inProcessExecutor, typedArraysIn, type GraphDoc, type JobHooks } from '../runtime/index.ts';
import { nodePlatform } from '../runtime/node/index.ts';
import { graph } from '../runtime/testing/fixtures.ts';
import { nodeWorkerPool } from '../workers/node-pool.ts';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms: number) => `${ms.toFixed(3)} ms`;

/** Ten branches of noise → three resizes → preview: 50 nodes, 10 outputs. */
function fiftyNodes(): GraphDoc {
  const nodes: Parameters<typeof graph>[0] = [];
  const edges: Parameters<typeof graph>[1] = [];
  for (let b = 0; b < 10; b++) {
    nodes.push([`n${b}`, 'seed-noise', { seed: b, width: 16, height: 16, channels: 1 }]);
    let prev = `n${b}`;
    let handle = 'image';
    for (let r = 0; r < 3; r++) {
      nodes.push([`r${b}-${r}`, 'resize-crop', { width: 12 - r * 2, height: 12 - r * 2 }]);
      edges.push([prev, handle, `r${b}-${r}`, 'image']);
      prev = `r${b}-${r}`;
      handle = 'image';
    }
    nodes.push([`p${b}`, 'preview', { cell: 16 }]);
    edges.push([prev, 'image', `p${b}`, 'images']);
  }
  return graph(nodes, edges);
}

async function cachedRerun() {
  const rt = createRuntime({ registry, executor: inProcessExecutor(registry, nodePlatform()) });
  const doc = fiftyNodes();
  const first = await rt.run(doc).done;
  if (first.stats.ran !== 50) throw new Error(`expected 50 nodes to run, got ${first.stats.ran}`);
  const times: number[] = [];
  for (let i = 0; i < 50; i++) {
    // A fresh document object each time, as the editor hands over after an edit elsewhere.
    const d = structuredClone(doc);
    const t = performance.now();
    const r = await rt.run(d).done;
    times.push(performance.now() - t);
    if (r.stats.ran !== 0) throw new Error('re-run was not fully cached');
  }
  return median(times);
}

const hooks = (): JobHooks => ({ signal: new AbortController().signal, onStart() {}, onProgress() {}, onPreview() {} });

async function dispatchOverhead() {
  const pool = nodeWorkerPool({ size: 1 });
  const job = { nodeId: 'p', nodeType: 'text-prompt', params: { text: 'x' }, inputs: {} };
  try {
    for (let i = 0; i < 50; i++) await pool.execute(job, hooks()); // warm up: worker start, JIT
    const inProcess = inProcessExecutor(registry, nodePlatform());
    const pooled: number[] = [];
    const local: number[] = [];
    for (let i = 0; i < 500; i++) {
      let t = performance.now();
      await pool.execute(job, hooks());
      pooled.push(performance.now() - t);
      t = performance.now();
      await inProcess.execute(job, hooks());
      local.push(performance.now() - t);
    }
    return { pooled: median(pooled), local: median(local) };
  } finally {
    await pool.dispose();
  }
}

async function bytesPerEdge() {
  const counts = { copied: 0, transferred: 0 };
  const counting = (ep: Endpoint): Endpoint => ({
    postMessage(message: unknown, transfer: Transferable[] = []) {
      const moved = new Set(transfer);
      for (const a of typedArraysIn(message)) {
        if (moved.has(a.buffer as ArrayBuffer)) counts.transferred += a.byteLength;
        else counts.copied += a.byteLength;
      }
      ep.postMessage(message, transfer);
    },
    addEventListener: ep.addEventListener.bind(ep),
    removeEventListener: ep.removeEventListener.bind(ep),
  });
  const pool = nodeWorkerPool({ size: 2, wrapEndpoint: counting });
  try {
    // 3 × 342 × 1024 float32 = 4.0 MiB on the noise → crop edge.
    const doc = graph(
      [['noise', 'seed-noise', { width: 1024, height: 342, channels: 1 }], ['crop', 'resize-crop', { mode: 'crop', width: 8, height: 8 }]],
      [['noise', 'image', 'crop', 'image']],
    );
    const rt = createRuntime({ registry, executor: pool });
    const r = await rt.run(doc, { outputs: ['crop'] }).done;
    if (r.stats.failed) throw new Error([...r.nodeErrors.values()].join('; '));
    return { bytes: 3 * 342 * 1024 * 4, ...counts };
  } finally {
    await pool.dispose();
  }
}

const rerun = await cachedRerun();
const { pooled, local } = await dispatchOverhead();
const edge = await bytesPerEdge();
console.log(`re-run of a fully cached 50-node graph:      ${fmt(rerun)} median of 50 (target < 20 ms)`);
console.log(`dispatch overhead per node (worker pool):    ${fmt(pooled - local)} median (round trip ${fmt(pooled)}, in-process ${fmt(local)}; target < 1 ms)`);
console.log(
  `bytes copied per edge, ${(edge.bytes / 2 ** 20).toFixed(1)} MiB tensor:        ${edge.copied} copied, ${edge.transferred} transferred to the consumer's worker (target: 0 copied)`,
);
