// Colours and shapes that carry meaning: a node's category tints its header, a port's kind
// decides its handle's colour and shape, so a wire that cannot fit already looks wrong.
import type { PortKind } from '../../runtime/index.ts';

const CATEGORY_COLOURS: Record<string, string> = {
  image: '#3b82f6',
  latent: '#8b5cf6',
  conditioning: '#f59e0b',
  output: '#10b981',
  model: '#ef4444',
  inversion: '#ec4899',
  training: '#f97316',
  sampling: '#06b6d4',
  generation: '#06b6d4',
  evaluation: '#84cc16',
  metrics: '#84cc16',
};

/** Categories the table does not know (added by later node packs) still get a stable hue. */
export function categoryColour(category: string): string {
  const known = CATEGORY_COLOURS[category];
  if (known) return known;
  let h = 0;
  for (const ch of category) h = (h * 31 + ch.charCodeAt(0)) % 360;
  return `hsl(${h} 65% 55%)`;
}

export type HandleShape = 'circle' | 'square' | 'diamond' | 'ring';

export const PORT_STYLE: Record<PortKind, { colour: string; shape: HandleShape }> = {
  image: { colour: '#60a5fa', shape: 'circle' },
  latent: { colour: '#a78bfa', shape: 'diamond' },
  embedding: { colour: '#f472b6', shape: 'diamond' },
  model: { colour: '#f87171', shape: 'square' },
  lora: { colour: '#fb923c', shape: 'square' },
  prompt: { colour: '#fbbf24', shape: 'ring' },
  scalar: { colour: '#94a3b8', shape: 'circle' },
  series: { colour: '#34d399', shape: 'ring' },
  metrics: { colour: '#a3e635', shape: 'ring' },
  files: { colour: '#2dd4bf', shape: 'square' },
};
