// The AR Sampler's step-by-step reveal, for teaching next-token prediction: while the grid is
// written token by token, the first image is shown as it stands: its tokens in their code colours
// beside the grid decoded to pixels, the tokens still to be drawn in grey. Decoding is slower than
// drawing a token, so a reveal shows the latest grid when the last picture is done, never a queue.
import { tensor } from '../../ml/index.ts';
import type { ArModel } from '../../models/ar/index.ts';
import type { RgbaImage } from '../../runtime/index.ts';
import { tensorToRgba } from '../image/ops.ts';
import { greyUnknown, tokenGridImage } from '../image/token-grid.ts';
import { sideBySide } from './loss-plot.ts';

export interface Reveal {
  /** The sampler's per-token callback. */
  onToken(t: number, tokens: Int32Array): void;
  /** Waits for the picture being drawn, so the node's last preview lands before its result. */
  finish(): Promise<void>;
}

/** The known tokens of a grid at raster position t: those drawn so far and those kept. */
export function knownAfter(t: number, count: number, kept?: ArrayLike<number>): Uint8Array {
  const known = new Uint8Array(count);
  for (let i = 0; i < count; i++) known[i] = i <= t || (kept && kept[i]) ? 1 : 0;
  return known;
}

/**
 * A reveal that previews every `every` tokens (0: never) while `total` tokens are drawn per grid;
 * `kept` marks the first grid's kept tokens in masked regeneration; `progress` counts tokens drawn.
 */
export function reveal(o: { model: ArModel; every: number; total: number; kept?: ArrayLike<number>; preview(img: RgbaImage): void; progress(done: number, total: number): void }): Reveal {
  const { side, count } = o.model.grid;
  let drawn = 0;
  let latest: { t: number; codes: Int32Array } | null = null;
  let running: Promise<void> | null = null;
  const show = async ({ t, codes }: { t: number; codes: Int32Array }) => {
    const known = knownAfter(t, count, o.kept);
    const image = tensorToRgba(await o.model.decode(tensor('int32', [1, side, side], codes)));
    const cell = Math.max(1, Math.floor(image.height / side));
    o.preview(sideBySide(tokenGridImage(codes, side, cell, known), greyUnknown(image, side, known)));
  };
  const pump = async () => {
    while (latest) {
      const job = latest;
      latest = null;
      // A preview that fails (a decoder still loading) must not fail the sampling.
      await show(job).catch(() => {});
    }
    running = null;
  };
  return {
    onToken(t, tokens) {
      o.progress(++drawn, o.total);
      if (!o.every || drawn % o.every !== 0 || drawn >= o.total) return;
      latest = { t, codes: tokens.slice(0, count) };
      running ??= pump();
    },
    async finish() {
      await running;
    },
  };
}
