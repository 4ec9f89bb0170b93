// Loop and Scan whose iteration count is known when the graph is built, unrolled: each iteration
// replays the body's nodes under fresh names, its inputs bound to the values of the iteration
// before, so the result is a plain graph the gradient rules and both runtimes already read.
// Exporters write such loops for fixed-length recurrences (an RNN over a sequence of known length,
// a refinement run N times); a loop whose count or condition depends on run-time values cannot be
// unrolled and is refused by name.
import type { Value } from '../builder.ts';
import { tensor } from '../tensor.ts';
import { LIMITS, LimitError } from '../untrusted/limits.ts';
import type { AdaptCtx } from './adapt.ts';
import type { RawNode, RawSubgraph } from './serialize.ts';
import { topoSort } from './toposort.ts';

/** Every name a body defines, its nested subgraphs' included: what one iteration must rename. */
function definedIn(g: RawSubgraph, out = new Set<string>()): Set<string> {
  for (const n of g.inputs) out.add(n);
  for (const n of g.initializers.keys()) out.add(n);
  for (const n of g.nodes) {
    for (const o of n.outputs) if (o) out.add(o);
    for (const sub of Object.values(n.graphs ?? {})) definedIn(sub, out);
  }
  return out;
}

const renameGraph = (g: RawSubgraph, to: (name: string) => string, node: (name: string) => string): RawSubgraph => ({
  inputs: g.inputs.map(to),
  outputs: g.outputs.map(to),
  initializers: new Map([...g.initializers].map(([n, t]) => [to(n), t])),
  nodes: g.nodes.map((n) => renameNode(n, to, node)),
});

function renameNode(n: RawNode, to: (name: string) => string, node: (name: string) => string): RawNode {
  const graphs = n.graphs && Object.fromEntries(Object.entries(n.graphs).map(([k, g]) => [k, renameGraph(g, to, node)]));
  return { ...n, name: node(n.name), inputs: n.inputs.map((i) => (i ? to(i) : i)), outputs: n.outputs.map((o) => (o ? to(o) : o)), ...(graphs ? { graphs } : {}) };
}

const nodeCount = (g: RawSubgraph): number => g.nodes.reduce((s, n) => s + 1 + Object.values(n.graphs ?? {}).reduce((t, sub) => t + nodeCount(sub), 0), 0);

/** Refuses, before any work, a known iteration count whose unrolled body would pass the limit. */
function checkUnrolledSize(c: AdaptCtx, body: RawSubgraph, iterations: number) {
  if (Number.isFinite(iterations) && iterations * nodeCount(body) > LIMITS.unrolledNodes) tooMany(c);
}

const tooMany = (c: AdaptCtx): never => {
  throw new LimitError('unrolledNodes', `${c.node.op} "${c.node.name}": unrolling its iterations adds more than ${LIMITS.unrolledNodes.toLocaleString('en-US')} nodes`);
};

/** Nodes unrolling has added to the graph being imported, against LIMITS.unrolledNodes. */
const unrolled = new WeakMap<object, number>();

/**
 * Replays `body` once: its inputs become `bound` (existing values), every name it defines gets a
 * fresh one, and its outputs come back as values.
 */
function replayBody(c: AdaptCtx, body: RawSubgraph, bound: readonly Value[], iteration: number): Value[] {
  const b = c.b;
  const tag = `${c.node.name}/iter${iteration}`;
  const fresh = new Map<string, string>();
  for (const name of definedIn(body)) {
    let to = `${tag}/${name}`;
    for (let k = 1; b.graph.values.has(to); k++) to = `${tag}/${name}_${k}`;
    fresh.set(name, to);
  }
  body.inputs.forEach((name, i) => fresh.set(name, bound[i].name));
  const g = renameGraph(body, (n) => fresh.get(n) ?? n, (n) => `${tag}/${n}`);

  const count = (unrolled.get(b) ?? 0) + g.nodes.length;
  if (count > LIMITS.unrolledNodes) tooMany(c);
  unrolled.set(b, count);

  for (const [name, t] of g.initializers) b.constant(t, name);
  const local = new Set([...g.inputs, ...g.initializers.keys()]);
  const outer = (n: string) => b.graph.values.has(n);
  for (const n of topoSort(g.nodes, new Set([...local, ...[...neededOuter(g)].filter(outer)]))) {
    const outs = [...n.outputs];
    while (outs.length && !outs[outs.length - 1]) outs.pop();
    c.replay(n, outs.map((o, i) => o || `${n.name}_unused${i}`));
  }
  return g.outputs.map((o) => b.value(o));
}

/** Names a body reads without defining them (values of the enclosing graph). */
function neededOuter(g: RawSubgraph): Set<string> {
  const defined = definedIn(g);
  const out = new Set<string>();
  const visit = (s: RawSubgraph) => {
    for (const n of s.nodes) {
      for (const i of n.inputs) if (i && !defined.has(i)) out.add(i);
      for (const sub of Object.values(n.graphs ?? {})) visit(sub);
    }
  };
  visit(g);
  return out;
}

/** Stacks per-iteration values along a new `axis` (Unsqueeze each, then Concat). */
function stack(c: AdaptCtx, parts: readonly Value[], axis: number): Value {
  const rank = parts[0].rank + 1;
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) c.fail(`output axis ${axis} is out of range for rank ${rank}`);
  const expanded = parts.map((p) => c.op1('Unsqueeze', [p, c.ints([a])]));
  return expanded.length === 1 ? expanded[0] : c.op1('Concat', expanded, { axis: a });
}

/**
 * Loop (opsets 1–21): inputs M (trip count, optional), cond (optional) and the loop-carried
 * values; the body maps (iteration, cond, carried…) to (cond, carried…, scan outputs…). Unrolled
 * while the count is known and every condition folds to a constant.
 */
export const loopNode = (c: AdaptCtx): void => {
  const body = c.node.graphs?.body ?? c.fail('the body graph is missing');
  const [m, cond0, ...initial] = c.ins();
  const carried = initial.map((v, i) => v ?? c.fail(`loop-carried input ${i + 2} is omitted`));
  if (body.inputs.length !== 2 + carried.length) c.fail(`the body takes ${body.inputs.length} inputs for 2 + ${carried.length} loop-carried values`);
  const scanCount = body.outputs.length - 1 - carried.length;
  if (scanCount < 0) c.fail(`the body has ${body.outputs.length} outputs for 1 + ${carried.length} loop-carried values`);

  const tripCount = m ? Number((m.const ?? c.fail('the trip count depends on run-time values; only loops whose count is known when the graph is built are unrolled')).data[0]) : Infinity;
  const truth = (v: Value | null, what: string) => (v ? Boolean(Number((v.const ?? c.fail(`${what} depends on run-time values; only loops whose condition is known when the graph is built are unrolled`)).data[0])) : true);
  if (!m && !cond0) c.fail('neither a trip count nor a condition: the loop never ends');
  if (Number.isFinite(tripCount) && tripCount > LIMITS.unrolledNodes) c.fail(`a trip count of ${tripCount} is more iterations than can be unrolled`);
  checkUnrolledSize(c, body, tripCount);

  let running = truth(cond0, 'the initial condition');
  let cond = cond0 ?? c.b.constant(tensor('bool', [], [1]));
  let values = carried;
  const scans: Value[][] = Array.from({ length: scanCount }, () => []);
  for (let i = 0; running && i < tripCount; i++) {
    if (i >= LIMITS.unrolledNodes) c.fail(`the condition stays true past ${LIMITS.unrolledNodes} iterations`);
    const iteration = c.b.constant(tensor('int64', [], [i]));
    const [condOut, ...rest] = replayBody(c, body, [iteration, cond, ...values], i);
    values = rest.slice(0, carried.length);
    rest.slice(carried.length).forEach((v, k) => scans[k].push(v));
    cond = condOut;
    running = truth(condOut, `the condition after iteration ${i}`);
  }
  if (scanCount && !scans[0].length) c.fail('the loop runs no iteration, so the shapes of its scan outputs are unknown');
  const results = [...values, ...scans.map((parts) => stack(c, parts, 0))];
  c.outputs.forEach((o, i) => o && c.alias(i, results[i]));
};

/**
 * Scan (opsets 9–21): N state values and M scan inputs; the body maps (state…, one slice of each
 * scan input…) to (state…, one slice of each scan output…), over the scan inputs' length (a static
 * dimension), forwards or backwards per input and output.
 */
export const scanNode = (c: AdaptCtx): void => {
  if (c.opset < 9) c.fail('the opset-8 Scan (batched, with sequence lengths) is not supported; re-export at opset 9 or later');
  const body = c.node.graphs?.body ?? c.fail('the body graph is missing');
  const ins = c.ins().map((v, i) => v ?? c.fail(`input ${i} is omitted`));
  const m = c.attr<number>('num_scan_inputs') ?? c.fail('num_scan_inputs is required');
  const n = ins.length - m;
  if (m < 1 || n < 0) c.fail(`num_scan_inputs ${m} does not fit ${ins.length} inputs`);
  if (body.inputs.length !== ins.length) c.fail(`the body takes ${body.inputs.length} inputs for ${ins.length}`);
  const k = body.outputs.length - n;
  if (k < 0) c.fail(`the body has ${body.outputs.length} outputs for ${n} state values`);
  const inAxes = c.attr<number[]>('scan_input_axes') ?? Array(m).fill(0);
  const inDirs = c.attr<number[]>('scan_input_directions') ?? Array(m).fill(0);
  const outAxes = c.attr<number[]>('scan_output_axes') ?? Array(k).fill(0);
  const outDirs = c.attr<number[]>('scan_output_directions') ?? Array(k).fill(0);
  if (inAxes.length !== m || inDirs.length !== m || outAxes.length !== k || outDirs.length !== k) c.fail('scan axes and directions must list one entry per scan input and output');

  const scanIns = ins.slice(n);
  const axes = scanIns.map((x, j) => {
    const a = inAxes[j] < 0 ? inAxes[j] + x.rank : inAxes[j];
    if (a < 0 || a >= x.rank) c.fail(`scan input ${j}: axis ${inAxes[j]} is out of range for rank ${x.rank}`);
    return a;
  });
  const length = scanIns[0].shape[axes[0]];
  scanIns.forEach((x, j) => x.shape[axes[j]] !== length && c.fail(`scan input ${j} has ${x.shape[axes[j]]} steps along axis ${axes[j]}, scan input 0 has ${length}`));
  if (!length && k) c.fail('the scan inputs have no steps, so the shapes of its scan outputs are unknown');

  checkUnrolledSize(c, body, length);
  let state = ins.slice(0, n);
  const outs: Value[][] = Array.from({ length: k }, () => []);
  for (let t = 0; t < length; t++) {
    const slices = scanIns.map((x, j) => c.op1('Gather', [x, c.b.constant(tensor('int64', [], [inDirs[j] ? length - 1 - t : t]))], { axis: axes[j] }));
    const res = replayBody(c, body, [...state, ...slices], t);
    state = res.slice(0, n);
    res.slice(n).forEach((v, j) => outs[j].push(v));
  }
  const results = [...state, ...outs.map((parts, j) => stack(c, outDirs[j] ? [...parts].reverse() : parts, outAxes[j]))];
  c.outputs.forEach((o, i) => o && c.alias(i, results[i]));
};
