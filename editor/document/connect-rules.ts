// Whether a wire may be drawn, read from the node declarations, with a reason a person can act
// on when it may not. A single input that already has a wire accepts the new one by replacing
// it, as in ComfyUI. Pure.
import { portsConnect, type GraphDoc } from '../../runtime/index.ts';
import type { NodeCatalog } from '../catalog/node-catalog.ts';

export interface Wiring {
  source: string;
  sourceHandle: string;
  target: string;
  targetHandle: string;
}

export type ConnectCheck = { ok: true; replaces: string[] } | { ok: false; reason: string };

export function checkConnection(doc: GraphDoc, catalog: NodeCatalog, w: Wiring): ConnectCheck {
  const src = doc.nodes.find((n) => n.id === w.source);
  const dst = doc.nodes.find((n) => n.id === w.target);
  if (!src || !dst) return { ok: false, reason: 'one end of this wire is not in the graph' };
  if (src.id === dst.id) return { ok: false, reason: 'a node cannot feed itself' };
  const srcInfo = catalog.infoFor(src);
  const dstInfo = catalog.infoFor(dst);
  if (!srcInfo || !dstInfo) return { ok: false, reason: `unknown node type ${!srcInfo ? src.type : dst.type}` };
  const out = Object.hasOwn(srcInfo.outputs, w.sourceHandle) ? srcInfo.outputs[w.sourceHandle] : undefined;
  const inp = Object.hasOwn(dstInfo.inputs, w.targetHandle) ? dstInfo.inputs[w.targetHandle] : undefined;
  if (!out) return { ok: false, reason: `${srcInfo.title} has no output "${w.sourceHandle}"` };
  if (!inp) return { ok: false, reason: `${dstInfo.title} has no input "${w.targetHandle}"` };
  if (!portsConnect(out.kind, inp.kind))
    return { ok: false, reason: `${dstInfo.title} · ${w.targetHandle} takes ${inp.kind}, but ${srcInfo.title} · ${w.sourceHandle} gives ${out.kind}` };
  const into = doc.edges.filter((e) => e.target === w.target && e.targetHandle === w.targetHandle);
  if (into.some((e) => e.source === w.source && e.sourceHandle === w.sourceHandle)) return { ok: false, reason: 'these ports are already wired' };
  const loop = pathBetween(doc, w.target, w.source);
  if (loop) return { ok: false, reason: `this wire would close a loop: ${[...loop, w.target].join(' → ')}` };
  return { ok: true, replaces: inp.list ? [] : into.map((e) => e.id) };
}

/** A path of node ids from `from` down to `to` along existing wires, if there is one. */
function pathBetween(doc: GraphDoc, from: string, to: string): string[] | undefined {
  const next = new Map<string, string[]>();
  for (const e of doc.edges) next.set(e.source, [...(next.get(e.source) ?? []), e.target]);
  const parent = new Map<string, string>([[from, from]]);
  const queue = [from];
  while (queue.length) {
    const id = queue.shift()!;
    if (id === to) {
      const path = [id];
      for (let at = id; at !== from; ) path.unshift((at = parent.get(at)!));
      return path;
    }
    for (const n of next.get(id) ?? [])
      if (!parent.has(n)) {
        parent.set(n, id);
        queue.push(n);
      }
  }
  return undefined;
}

/** Node types that can take (or give) a wire of this kind, with the first port that fits:
 * what the palette offers when a wire is dropped on empty canvas. */
export function portsAccepting(catalog: NodeCatalog, kind: string, side: 'input' | 'output'): Map<string, string> {
  const fits = new Map<string, string>();
  for (const info of catalog.list) {
    const ports = side === 'input' ? info.inputs : info.outputs;
    const name = Object.keys(ports).find((p) => (side === 'input' ? portsConnect(kind as never, ports[p].kind) : portsConnect(ports[p].kind, kind as never)));
    if (name) fits.set(info.type, name);
  }
  return fits;
}
