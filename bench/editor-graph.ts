// The benchmark's graph: 300 nodes of the built-in types, as a large real graph is wired.
import type { GraphDoc } from '../runtime/index.ts';

export const COLUMNS = 20;
export const ROWS = 15;

/** 300 nodes in 60 chains of five (noise → resize → blend ← noise's image → resize → preview),
 * laid out on a grid, with the wires a real graph of that size would have. */
export function generatedGraph(): GraphDoc {
  const nodes: GraphDoc['nodes'] = [];
  const edges: GraphDoc['edges'] = [];
  const chain = ['seed-noise', 'resize-crop', 'blend', 'resize-crop', 'preview'];
  const wire = (source: string, sourceHandle: string, target: string, targetHandle: string) =>
    edges.push({ id: `${source}.${sourceHandle}->${target}.${targetHandle}`, source, sourceHandle, target, targetHandle });
  for (let i = 0; i < (COLUMNS * ROWS) / chain.length; i++) {
    const row = Math.floor((i * chain.length) / COLUMNS);
    const col0 = (i * chain.length) % COLUMNS;
    chain.forEach((type, k) => nodes.push({ id: `c${i}-${k}`, type, params: type === 'seed-noise' ? { seed: i } : {}, position: { x: (col0 + k) * 300, y: row * 260 } }));
    wire(`c${i}-0`, 'image', `c${i}-1`, 'image');
    wire(`c${i}-1`, 'image', `c${i}-2`, 'a');
    wire(`c${i}-0`, 'image', `c${i}-2`, 'b');
    wire(`c${i}-2`, 'image', `c${i}-3`, 'image');
    wire(`c${i}-3`, 'image', `c${i}-4`, 'images');
  }
  return { version: 2, title: 'Generated 300-node graph', nodes, edges };
}
