// Token grids as the editor shows them: each grid as its picture in code colours (masked tokens
// grey), the decoded image a node made beside it, and the grid a token-mask field edits (the one
// wired into the node's input). Pure: the views draw what these return.
import { tokenGridImage } from '../../nodes/image/token-grid.ts';
import type { GraphDoc, RgbaImage } from '../../runtime/index.ts';
import type { Preview } from './previews.ts';

export type TokensPreview = Extract<Preview, { kind: 'tokens' }>;
export type ImagesPreview = Extract<Preview, { kind: 'images' }>;

/** Pixels per token: a grid is drawn as large as its decoded image when there is one (64 px for 8×8). */
export const cellFor = (side: number, imageSide = 64) => Math.max(2, Math.floor(imageSide / side));

/** One grid as a picture; `masked` positions (to be redrawn) are grey. */
export function gridPicture(codes: Int32Array, side: number, masked: readonly number[] = [], cell = cellFor(side)): RgbaImage {
  const known = new Uint8Array(codes.length).fill(1);
  for (const p of masked) if (p >= 0 && p < known.length) known[p] = 0;
  return tokenGridImage(codes, side, cell, known);
}

/** The decoded images that belong to a node's grids: its image output of the same count, if any. */
export function decodedFor(results: readonly Preview[], tokens: TokensPreview): ImagesPreview | undefined {
  return results.find((p): p is ImagesPreview => p.kind === 'images' && p.total === tokens.total);
}

/**
 * The results a node shows, with its grids paired to their decoded images: the image output that
 * pairs with a grid is drawn beside it, not a second time on its own.
 */
export function pairTokens(results: readonly Preview[]): (Preview | { kind: 'token-pair'; port: string; tokens: TokensPreview; images?: ImagesPreview })[] {
  const paired = new Set<Preview>();
  const out: ReturnType<typeof pairTokens> = [];
  for (const p of results) {
    if (p.kind !== 'tokens') continue;
    const images = decodedFor(results, p);
    if (images) paired.add(images);
  }
  for (const p of results) {
    if (paired.has(p)) continue;
    out.push(p.kind === 'tokens' ? { kind: 'token-pair', port: p.port, tokens: p, images: decodedFor(results, p) } : p);
  }
  return out;
}

/** The grid wired into `input` of a node, as its source's last result shows it (or why there is none). */
export function wiredGrid(doc: GraphDoc, results: Readonly<Record<string, readonly Preview[]>>, nodeId: string, input: string): { tokens: TokensPreview; images?: ImagesPreview; source: string } | { missing: string } {
  const edge = doc.edges.find((e) => e.target === nodeId && e.targetHandle === input);
  if (!edge) return { missing: `wire a token grid into ${input} to choose tokens to redraw` };
  const shown = results[edge.source] ?? [];
  const tokens = shown.find((p): p is TokensPreview => p.kind === 'tokens' && p.port === edge.sourceHandle);
  if (!tokens) return { missing: `run the graph up to ${edge.source} to see its grid, then click tokens to mask them` };
  return { tokens, images: decodedFor(shown, tokens), source: edge.source };
}
