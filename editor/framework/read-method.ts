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

/** Where one node sits in the framework, or undefined when it makes no framework choice. */
export function placementOf(node: GraphDoc['nodes'][number], info: NodeInfo | undefined): Placement | undefined {
  const f = info?.framework ?? {};
  const spaceParam = node.params.space ?? info?.defaults.space;
  const space = typeof spaceParam === 'string' ? spaceParam : f.space;
  if (!space && !f.method && !f.scheme && !f.family) return undefined;
  return { nodeId: node.id, title: info?.title ?? node.type, family: f.family, space, method: f.method, scheme: f.scheme };
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
