// Everything that can be wrong with a parsed document before anything runs, each error naming
// the node and field. Pure: the same document and registry always give the same list.
import type { ValidationError } from './document/errors.ts';
import type { GraphDoc } from './document/schema.ts';
import { indexGraph } from './graph.ts';
import type { Registry } from './registry.ts';

export function validateGraph(doc: GraphDoc, registry: Registry): ValidationError[] {
  const errors: ValidationError[] = [];
  const nodes = new Map(doc.nodes.map((n) => [n.id, n]));

  const seenNodes = new Set<string>();
  for (const n of doc.nodes) {
    if (seenNodes.has(n.id)) errors.push({ code: 'duplicate-id', nodeId: n.id, field: 'id', message: `two nodes have the id ${n.id}` });
    seenNodes.add(n.id);
    const def = registry.get(n.type);
    if (!def) {
      errors.push({ code: 'unknown-node-type', nodeId: n.id, field: 'type', message: `unknown node type "${n.type}"` });
      continue;
    }
    const parsed = def.params.safeParse(n.params);
    if (!parsed.success)
      for (const issue of parsed.error.issues)
        errors.push({ code: 'param-invalid', nodeId: n.id, field: ['params', ...issue.path].join('.'), message: issue.message });
  }

  const seenEdges = new Set<string>();
  const fed = new Map<string, string>(); // `${node}.${input}` of single inputs → first edge id
  const goodEdges = [];
  for (const e of doc.edges) {
    if (seenEdges.has(e.id)) errors.push({ code: 'duplicate-id', edgeId: e.id, field: 'id', message: `two edges have the id ${e.id}` });
    seenEdges.add(e.id);
    const src = nodes.get(e.source);
    const dst = nodes.get(e.target);
    if (!src || !dst) {
      const missing = !src ? e.source : e.target;
      errors.push({ code: 'unknown-node', edgeId: e.id, field: !src ? 'source' : 'target', message: `edge ${e.id} refers to a missing node ${missing}` });
      continue;
    }
    const srcDef = registry.get(src.type);
    const dstDef = registry.get(dst.type);
    if (!srcDef || !dstDef) continue; // already reported as an unknown type
    const out = srcDef.outputs[e.sourceHandle];
    const inp = dstDef.inputs[e.targetHandle];
    if (!out)
      errors.push({ code: 'unknown-port', nodeId: src.id, edgeId: e.id, field: `outputs.${e.sourceHandle}`, message: `${srcDef.title} has no output "${e.sourceHandle}"` });
    if (!inp)
      errors.push({ code: 'unknown-port', nodeId: dst.id, edgeId: e.id, field: `inputs.${e.targetHandle}`, message: `${dstDef.title} has no input "${e.targetHandle}"` });
    if (!out || !inp) continue;
    if (out.kind !== inp.kind) {
      errors.push({
        code: 'port-type-mismatch',
        nodeId: dst.id,
        edgeId: e.id,
        field: `inputs.${e.targetHandle}`,
        message: `input "${e.targetHandle}" takes ${inp.kind}, but ${src.id}.${e.sourceHandle} gives ${out.kind}`,
      });
      continue;
    }
    const slot = `${dst.id}.${e.targetHandle}`;
    if (!inp.isList && fed.has(slot)) {
      errors.push({
        code: 'input-taken',
        nodeId: dst.id,
        edgeId: e.id,
        field: `inputs.${e.targetHandle}`,
        message: `input "${e.targetHandle}" takes one wire and already has edge ${fed.get(slot)}`,
      });
      continue;
    }
    fed.set(slot, e.id);
    goodEdges.push(e);
  }

  for (const n of doc.nodes) {
    const def = registry.get(n.type);
    if (!def) continue;
    for (const [name, spec] of Object.entries(def.inputs))
      if (!spec.isOptional && !goodEdges.some((e) => e.target === n.id && e.targetHandle === name))
        errors.push({ code: 'missing-input', nodeId: n.id, field: `inputs.${name}`, message: `required input "${name}" (${spec.kind}) is not connected` });
  }

  errors.push(...cycleErrors(doc, goodEdges));
  return errors;
}

/** One error per node on a cycle, each showing the loop it is part of. */
function cycleErrors(doc: GraphDoc, edges: GraphDoc['edges']): ValidationError[] {
  const index = indexGraph(doc, edges);
  const placed = new Set(index.order);
  // Nodes left out of the topological order are on a cycle or downstream of one; keep only
  // those that can reach themselves.
  const stuck = doc.nodes.map((n) => n.id).filter((id) => !placed.has(id));
  const errors: ValidationError[] = [];
  for (const id of stuck) {
    const loop = findLoop(id, index.consumers);
    if (loop) errors.push({ code: 'cycle', nodeId: id, field: 'inputs', message: `cycle: ${loop.join(' → ')}` });
  }
  return errors;
}

function findLoop(start: string, consumers: Map<string, Set<string>>): string[] | undefined {
  const parent = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const id = queue.shift()!;
    for (const next of consumers.get(id) ?? []) {
      if (next === start) {
        const path = [start];
        for (let at = id; at !== start; at = parent.get(at)!) path.splice(1, 0, at);
        return [...path, start];
      }
      if (!parent.has(next)) {
        parent.set(next, id);
        queue.push(next);
      }
    }
  }
  return undefined;
}
