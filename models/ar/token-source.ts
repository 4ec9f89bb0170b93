// Where the transformer's training examples come from: token grids (the image tokenizer's codes
// in raster order) with their captions' ids. The trainer asks a TokenSource for items by index,
// so it knows nothing of images, latents or the tokenizer; the emoji source wraps the image
// tokenizer (VAE latent → FSQ codes), and the synthetic one below lets the pipeline run without it.
import { i64, type Rng, type Tensor } from '../../ml/index.ts';
import type { Tokenizer } from '../text/tokenizer.ts';

export interface TokenBatch {
  /** int64 [B, gridSize²]: codes in raster order (row by row), each in [0, codebookSize). */
  tokens: Tensor;
  /** int64 [B, maxLength]: the captions as the text encoder's tokenizer encodes them. */
  ids: Tensor;
}

export interface TokenSource {
  /** Items it holds: an epoch's length. */
  readonly count: number;
  readonly codebookSize: number;
  readonly gridSize: number;
  /** Identifies the data (e.g. the image tokenizer's sha256): a run resumes only on the same data. */
  readonly key: string;
  /** What it is, for the log and the recipe. */
  readonly description: string;
  /**
   * The items at `indices`. A pure function of (indices, rng): augmentations (a fresh draw of the
   * VAE posterior, say) take their randomness from `rng`, which the trainer derives from (seed,
   * step), so a resumed run trains on exactly what an unbroken one would have.
   */
  batch(indices: readonly number[], rng: Rng): Promise<TokenBatch>;
}

const COLOURS = ['red', 'blue', 'green', 'yellow'];
const SHAPES = ['heart', 'circle', 'square'];
const STYLES = ['twemoji', 'noto'];

/**
 * `count` items whose grids follow their made-up captions ("red heart, noto style"): the colour
 * sets a code band, the shape a spatial pattern, the style a stride; `noise` of the positions are
 * redrawn from rng each time. A model that reads the caption predicts them better than one that
 * does not, so the smoke run can watch the loss fall.
 */
export function syntheticTokenSource(o: { count: number; codebookSize: number; gridSize: number; tokenizer: Tokenizer; noise?: number }): TokenSource {
  const { count, codebookSize: V, gridSize: G, tokenizer } = o;
  const N = G * G;
  const noise = o.noise ?? 0.1;
  const captions = Array.from({ length: count }, (_, k) => {
    const [c, s, t] = [k % COLOURS.length, Math.floor(k / COLOURS.length) % SHAPES.length, k % STYLES.length];
    return { text: `${COLOURS[c]} ${SHAPES[s]}, ${STYLES[t]} style`, c, s, t };
  });
  const grids = captions.map(({ c, s, t }) =>
    Int32Array.from({ length: N }, (_, p) => {
      const [y, x] = [Math.floor(p / G), p % G];
      const pattern = s === 0 ? Math.abs(x - G / 2) + y : s === 1 ? Math.round(Math.hypot(x - G / 2, y - G / 2)) : Math.max(x, y);
      return (c * Math.floor(V / COLOURS.length) + pattern * (t + 1)) % V;
    }),
  );
  const ids = captions.map(({ text }) => tokenizer.encode(text).ids);
  return {
    count,
    codebookSize: V,
    gridSize: G,
    key: `synthetic ${count}×${N} of ${V}, noise ${noise}`,
    description: `${count} synthetic token grids (smoke test)`,
    async batch(indices, rng) {
      const tokens = new Array<number>(indices.length * N);
      indices.forEach((i, k) => {
        for (let p = 0; p < N; p++) tokens[k * N + p] = rng.next() < noise ? rng.int(V) : grids[i][p];
      });
      return { tokens: i64([indices.length, N], tokens), ids: i64([indices.length, tokenizer.maxLength], indices.flatMap((i) => ids[i])) };
    },
  };
}
