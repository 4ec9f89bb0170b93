// The live view of an optimization: the loss curve drawn as a small picture (log scale, so late
// small improvements stay visible), beside the latest sample preview when there is one. Hosts only
// show preview images, so the curve travels as one. The loss of a stochastic objective (random
// timesteps and noise) is drawn as its smoothed trend, the raw values faint behind it, so a
// healthy run does not read as divergence.
import { type RgbaImage, smoothSeries } from '../../runtime/index.ts';

type Rgb = readonly [number, number, number];
const TREND: Rgb = [30, 90, 200];
const RAW: Rgb = [190, 208, 238];

export function lossPlot(values: readonly number[], width = 96, height = 64, stochastic = false): RgbaImage {
  const data = new Uint8Array(width * height * 4).fill(255);
  const keep = values.flatMap((v, i) => (v > 0 && Number.isFinite(v) ? [i] : []));
  if (keep.length >= 2) {
    const raw = keep.map((i) => Math.log(values[i]));
    const [lo, hi] = [Math.min(...raw), Math.max(...raw)];
    const span = hi - lo || 1;
    const draw = (ys: readonly number[], color: Rgb) => {
      let prev: [number, number] | null = null;
      ys.forEach((y, k) => {
        const px = Math.round((k / (ys.length - 1)) * (width - 1));
        const py = Math.round((1 - (y - lo) / span) * (height - 5)) + 2;
        if (prev) line(data, width, prev, [px, py], color);
        prev = [px, py];
      });
    };
    if (stochastic) {
      draw(raw, RAW);
      draw(smoothSeries(keep.map((i) => values[i])).map(Math.log), TREND);
    } else draw(raw, TREND);
  }
  return { width, height, data };
}

function line(data: Uint8Array, width: number, [x0, y0]: [number, number], [x1, y1]: [number, number], color: Rgb) {
  const n = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0), 1);
  for (let k = 0; k <= n; k++) {
    const x = Math.round(x0 + ((x1 - x0) * k) / n);
    const y = Math.round(y0 + ((y1 - y0) * k) / n);
    data.set(color, (y * width + x) * 4);
  }
}

/** Two pictures side by side on white, top-aligned. */
export function sideBySide(a: RgbaImage, b: RgbaImage, gap = 4): RgbaImage {
  const width = a.width + gap + b.width;
  const height = Math.max(a.height, b.height);
  const data = new Uint8Array(width * height * 4).fill(255);
  const put = (img: RgbaImage, left: number) => {
    for (let y = 0; y < img.height; y++) data.set(img.data.subarray(y * img.width * 4, (y + 1) * img.width * 4), (y * width + left) * 4);
  };
  put(a, 0);
  put(b, a.width + gap);
  return { width, height, data };
}

/**
 * A preview channel for optimizing nodes: `loss(values)` redraws the curve (throttled to every
 * `every` calls), `sample(image)` replaces the picture beside it. `stochastic`: the loss is of a
 * stochastic objective, drawn smoothed.
 */
export function livePreview(preview: (img: RgbaImage) => void, every = 10, stochastic = false) {
  let last: RgbaImage | null = null;
  let calls = 0;
  let values: readonly number[] = [];
  const show = () => {
    const plot = lossPlot(values, 96, last?.height ?? 64, stochastic);
    preview(last ? sideBySide(last, plot) : plot);
  };
  return {
    loss(v: readonly number[]) {
      values = v;
      if (++calls % every === 0) show();
    },
    sample(img: RgbaImage) {
      last = img;
      show();
    },
  };
}
