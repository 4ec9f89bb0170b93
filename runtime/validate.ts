// Everything that can be wrong with a parsed document before anything runs, each error naming
// the node and field. Pure: the same document and registry always give the same list.
import type { ValidationError } from './document/errors.ts';
import type { GraphDoc } from './document/schema.ts';
import { loopsThrough } from './cycles.ts';
import { indexGraph } from './graph.ts';
import { portsOf, type NodePorts } from './node-ports.ts';
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
    const srcPorts = portsOf(srcDef, src.params);
    const dstPorts = portsOf(dstDef, dst.params);
    // Own properties only: a handle named "__proto__" or "toString" is no port.
    const out = Object.hasOwn(srcPorts.outputs, e.sourceHandle) ? srcPorts.outputs[e.sourceHandle] : undefined;
    const inp = Object.hasOwn(dstPorts.inputs, e.targetHandle) ? dstPorts.inputs[e.targetHandle] : undefined;
    if (!out)
      errors.push({ code: 'unknown-port', nodeId: src.id, edgeId: e.id, field: `outputs.${e.sourceHandle}`, message: noPort(srcDef.title, 'output', e.sourceHandle, srcPorts) });
    if (!inp)
      errors.push({ code: 'unknown-port', nodeId: dst.id, edgeId: e.id, field: `inputs.${e.targetHandle}`, message: noPort(dstDef.title, 'input', e.targetHandle, dstPorts) });
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

  const wired = new Set(goodEdges.map((e) => `${e.target}\u0000${e.targetHandle}`));
  for (const n of doc.nodes) {
    const def = registry.get(n.type);
    if (!def) continue;
    for (const [name, spec] of Object.entries(portsOf(def, n.params).inputs))
      if (!spec.isOptional && !wired.has(`${n.id}\u0000${name}`))
        errors.push({ code: 'missing-input', nodeId: n.id, field: `inputs.${name}`, message: `required input "${name}" (${spec.kind}) is not connected` });
  }

  errors.push(...cycleErrors(doc, goodEdges));
  return errors;
}

/** A missing port; for ports made from a file, the file and the ports it does have, since the
 * usual cause is a file changed under a wire. */
function noPort(title: string, side: 'input' | 'output', handle: string, ports: NodePorts): string {
  if (!ports.from) return `${title} has no ${side} "${handle}"`;
  const have = Object.keys(side === 'input' ? ports.inputs : ports.outputs);
  return `${title} has no ${side} "${handle}": ${ports.from} has ${side}s ${have.map((h) => `"${h}"`).join(', ') || 'none'}`;
}

/** One error per node on a cycle, each showing a loop it is part of (long loops shortened). */
function cycleErrors(doc: GraphDoc, edges: GraphDoc['edges']): ValidationError[] {
  const index = indexGraph(doc, edges);
  const placed = new Set(index.order);
  // Nodes left out of the topological order are on a cycle or downstream of one.
  const stuck = doc.nodes.map((n) => n.id).filter((id) => !placed.has(id));
  const loops = loopsThrough(stuck, index.consumers);
  return stuck.flatMap((id) => {
    const loop = loops.get(id);
    return loop ? [{ code: 'cycle' as const, nodeId: id, field: 'inputs', message: `cycle: ${shortLoop(loop)}` }] : [];
  });
}

function shortLoop(loop: string[]): string {
  if (loop.length <= 12) return loop.join(' → ');
  return [...loop.slice(0, 5), `… (${loop.length - 10} more) …`, ...loop.slice(-5)].join(' → ');
}
