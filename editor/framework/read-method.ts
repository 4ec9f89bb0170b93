// Which method a graph implements: gather the framework choices its nodes make (a node's
// declared tags, or its `space` param when the space is chosen per node) and match them with
// the known methods. Only nodes that invert (declare an inversion method) choose where the
// concept is stored: a Decoder or a Seed that merely works in a space chooses nothing. An
// inverter started from another inverter's result in the same space makes a hybrid; one fed by
// an inverter of another space (an encoder before DDIM inversion) makes that inverter a step of
// its own. Several inverters whose results are used side by side are a comparison. Pure, and
// read from the node declarations only: no family or node type is named here.
import { ancestorsOf, indexGraph, type GraphDoc, type NodeInfo } from '../../runtime/index.ts';
import type { NodeCatalog } from '../catalog/node-catalog.ts';
import { KNOWN_METHODS, type KnownMethod } from './methods.ts';

export interface Placement {
  nodeId: string;
  title: string;
  family?: string;
  space?: string;
  method?: string;
  scheme?: string;
}

/** One way the graph inverts the concept: a node (or a chain ending in it) and its method. */
export interface Branch {
  name: string;
  summary: string;
  reference?: string;
  space?: string;
  method: string;
  /** The inverting nodes of the branch, the one whose result is used last. */
  nodeIds: string[];
}

export interface MethodReading {
  name: string;
  summary: string;
  reference?: string;
  /** Two or more when the graph compares methods side by side. */
  branches: Branch[];
  placements: Placement[];
  choices: { family: string[]; space: string[]; method: string[]; scheme: string[] };
}

/** Param values that name a framework choice in other words. */
const SYNONYMS: Record<string, string> = { ddim: 'training-free', autoencoder: 'learned encoder', encoder: 'learned encoder (W+)', lora: 'weights (LoRA)', prefix: 'prefix tokens' };

/** The method of an inverter refined from another inverter's result in the same space. */
export const HYBRID = 'hybrid';

const alternatives = (tag: string | undefined) => (tag ? tag.split(/\s*\/\s*/) : []);

/** A node that can be several things declares them as `a / b` (`learned encoder / training-free`);
 * its params say which it is this time. Alternatives of space and method are listed in the same
 * order, so the method chosen also picks the space. */
function resolve(f: NonNullable<NodeInfo['framework']>, params: Record<string, unknown>, wired: ReadonlySet<string>) {
  const values = Object.values(params).filter((v): v is string => typeof v === 'string').map((v) => SYNONYMS[v] ?? v);
  // A wire may choose too (a Sampler given a latent edits); with none, the first alternative holds.
  const byWire = Object.entries(f.wiredMeans ?? {}).filter(([port]) => wired.has(port)).map(([, alt]) => alt);
  const chosen = [...values, ...byWire];
  const pick = (tag: string | undefined) => alternatives(tag).findIndex((a) => chosen.includes(a));
  const methods = alternatives(f.method);
  const spaces = alternatives(f.space);
  const m = pick(f.method);
  const s = pick(f.space);
  const space = s >= 0 ? spaces[s] : m >= 0 && spaces.length === methods.length ? spaces[m] : f.space;
  // A node whose method a wire may change does its first method while that wire is absent.
  const method = m >= 0 ? methods[m] : f.wiredMeans && methods.length > 1 ? methods[0] : f.method;
  const schemes = alternatives(f.scheme);
  const sc = pick(f.scheme);
  const scheme = sc >= 0 ? schemes[sc] : f.wiredMeans ? schemes[0] : f.scheme;
  return { space, method, scheme };
}

/** The family a node stands for: declared, or named by a param's value (which pack is loaded). */
function familyOf(node: GraphDoc['nodes'][number], info: NodeInfo | undefined): string | undefined {
  const f = info?.framework;
  const from = f?.familyFrom;
  if (from) {
    const v = { ...info?.defaults, ...node.params }[from.param];
    if (typeof v === 'string' && Object.hasOwn(from.values, v)) return from.values[v];
  }
  return f?.family;
}

/** Where one node sits in the framework, or undefined when it makes no framework choice. */
export function placementOf(node: GraphDoc['nodes'][number], info: NodeInfo | undefined, wired: ReadonlySet<string> = new Set()): Placement | undefined {
  const f = info?.framework ?? {};
  const { space, method, scheme } = resolve(f, { ...info?.defaults, ...node.params }, wired);
  if (!space && !method && !scheme) return undefined;
  return { nodeId: node.id, title: info?.title ?? node.type, family: familyOf(node, info), space, method, scheme };
}

/** The input ports of a node that have a wire. */
export const wiredInputs = (doc: GraphDoc, nodeId: string) => new Set(doc.edges.filter((e) => e.target === nodeId).map((e) => e.targetHandle));

const distinct = (xs: (string | undefined)[]) => [...new Set(xs.filter((x): x is string => !!x))];

/** A node for any family (Metrics) says nothing about the family, so it narrows nothing. */
const fitsFamily = (m: KnownMethod, families: string[]) => m.family === 'any' || families.length === 0 || families.includes(m.family);

/** The known method for one choice of space and method, or a description of the choice. */
function nameChoice(space: string | undefined, method: string, families: string[]) {
  const candidates = KNOWN_METHODS.filter((m) => fitsFamily(m, families) && m.method.test(method) && (space === undefined || m.space.test(space)));
  // The graph's own family's name for a choice wins over a name for any family (PTI over LoRA).
  const match = candidates.find((m) => families.includes(m.family)) ?? candidates[0];
  if (match) return { name: match.name, summary: match.summary, reference: match.reference };
  return {
    name: 'A combination of your own',
    summary: `Stores the concept in ${space ?? 'an unnamed space'} by ${method}: no named method in the survey's table makes exactly these choices.`,
  };
}

/** The inverting nodes and how each one's result is used: a branch of its own, or a step. */
function branchesOf(doc: GraphDoc, placements: Placement[], families: string[]): Branch[] {
  const inverters = new Map(placements.filter((p) => p.method).map((p) => [p.nodeId, p]));
  const index = indexGraph(doc);
  const branches: Branch[] = [];
  for (const p of inverters.values()) {
    const consumers = [...(index.consumers.get(p.nodeId) ?? [])];
    // A result used only by other inverters is a step of theirs, not a method of its own.
    if (consumers.length && consumers.every((c) => inverters.has(c))) continue;
    const upstream = [...ancestorsOf(index, [p.nodeId])].filter((id) => id !== p.nodeId && inverters.has(id)).map((id) => inverters.get(id)!);
    const starts = upstream.filter((u) => u.space === p.space && u.method !== p.method);
    const method = starts.length ? HYBRID : p.method!;
    branches.push({ ...nameChoice(p.space, method, families), space: p.space, method, nodeIds: [...upstream.filter((u) => u.space === p.space).map((u) => u.nodeId), p.nodeId] });
  }
  return branches;
}

export function readMethod(doc: GraphDoc, catalog: NodeCatalog): MethodReading {
  const placements = doc.nodes.flatMap((n) => placementOf(n, catalog.get(n.type), wiredInputs(doc, n.id)) ?? []);
  // A node for any family (Metrics, the Latent Optimizer) says nothing about the family.
  const families = distinct(doc.nodes.map((n) => familyOf(n, catalog.get(n.type)))).filter((f) => f !== 'any');
  const all = branchesOf(doc, placements, families);
  // Branches that make the same choice are one method, however many nodes run it.
  const branches = all.filter((b, i) => all.findIndex((o) => o.name === b.name && o.space === b.space && o.method === b.method) === i);
  const choices = {
    family: families,
    space: distinct(all.map((b) => b.space)),
    method: distinct(all.map((b) => b.method)),
    scheme: distinct(placements.map((p) => p.scheme)),
  };
  const base = { placements, choices, branches };
  if (!branches.length)
    return {
      ...base,
      name: 'Not a personalization method yet',
      summary:
        'This graph prepares and looks at data, but no node inverts the concept into a model. Add an inversion node (an optimizer, an encoder or a training-free inversion) to choose where the concept is stored and how it gets there.',
    };
  if (branches.length === 1) return { ...base, name: branches[0].name, summary: branches[0].summary, reference: branches[0].reference };
  return {
    ...base,
    name: `A comparison of ${branches.length} methods`,
    summary: `Side by side, on the same images: ${branches.map((b) => b.name).join('; ')}. Each branch stores the concept its own way, so their results and metrics can be compared.`,
  };
}
