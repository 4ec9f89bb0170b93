// Which method a graph implements: gather the framework choices its nodes make (a node's
// declared tags, or its `space` param when the space is chosen per node) and match them with
// the known methods. Pure.
import type { GraphDoc, NodeInfo } from '../../runtime/index.ts';
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

export interface MethodReading {
  name: string;
  summary: string;
  reference?: string;
  placements: Placement[];
  choices: { family: string[]; space: string[]; method: string[]; scheme: string[] };
}

/** Param values that name a framework choice in other words. */
const SYNONYMS: Record<string, string> = { ddim: 'training-free', autoencoder: 'learned encoder', encoder: 'learned encoder' };

const alternatives = (tag: string | undefined) => (tag ? tag.split(/\s*\/\s*/) : []);

/** A node that can be several things declares them as `a / b` (`learned encoder / training-free`);
 * its params say which it is this time. Alternatives of space and method are listed in the same
 * order, so the method chosen also picks the space. */
function resolve(f: NonNullable<NodeInfo['framework']>, params: Record<string, unknown>) {
  const values = Object.values(params).filter((v): v is string => typeof v === 'string').map((v) => SYNONYMS[v] ?? v);
  const pick = (tag: string | undefined) => {
    const alts = alternatives(tag);
    const i = alts.findIndex((a) => values.includes(a));
    return i;
  };
  const methods = alternatives(f.method);
  const spaces = alternatives(f.space);
  const m = pick(f.method);
  const s = pick(f.space);
  const space = s >= 0 ? spaces[s] : m >= 0 && spaces.length === methods.length ? spaces[m] : f.space;
  return { space, method: m >= 0 ? methods[m] : f.method, scheme: f.scheme };
}

/** Where one node sits in the framework, or undefined when it makes no framework choice. */
export function placementOf(node: GraphDoc['nodes'][number], info: NodeInfo | undefined): Placement | undefined {
  const f = info?.framework ?? {};
  const { space, method, scheme } = resolve(f, { ...info?.defaults, ...node.params });
  if (!space && !method && !scheme && !f.family) return undefined;
  return { nodeId: node.id, title: info?.title ?? node.type, family: f.family, space, method, scheme };
}

const distinct = (xs: (string | undefined)[]) => [...new Set(xs.filter((x): x is string => !!x))];

const fitsFamily = (m: KnownMethod, families: string[]) =>
  m.family === 'any' || families.length === 0 || families.includes(m.family) || families.includes('any');

export function readMethod(doc: GraphDoc, catalog: NodeCatalog): MethodReading {
  const placements = doc.nodes.flatMap((n) => placementOf(n, catalog.get(n.type)) ?? []);
  const choices = {
    family: distinct(placements.map((p) => p.family)),
    space: distinct(placements.map((p) => p.space)),
    method: distinct(placements.map((p) => p.method)),
    scheme: distinct(placements.map((p) => p.scheme)),
  };
  const base = { placements, choices };
  if (!choices.method.length)
    return {
      ...base,
      name: 'Not a personalization method yet',
      summary:
        'This graph prepares and looks at data, but no node inverts the concept into a model. Add an inversion node (an optimizer, an encoder or a training-free inversion) to choose where the concept is stored and how it gets there.',
    };
  const match = KNOWN_METHODS.find(
    (m) => fitsFamily(m, choices.family) && choices.method.some((x) => m.method.test(x)) && choices.space.some((x) => m.space.test(x)),
  );
  if (match) return { ...base, name: match.name, summary: match.summary, reference: match.reference };
  return {
    ...base,
    name: 'A combination of your own',
    summary: `Stores the concept in ${choices.space.join(', ') || 'an unnamed space'} by ${choices.method.join(', ')}: no named method in the survey's table makes exactly these choices.`,
  };
}
