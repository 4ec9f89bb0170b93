// How a loss curve of a stochastic objective is read. Each step of Textual Inversion or LoRA
// training draws a random timestep and noise, so one step's loss swings several-fold around the
// trend, and the first and last raw values say little ("first 0.088 · last 0.325" on a healthy run).
// The trend is an exponential moving average run forward and then backward (no lag), whose span
// grows with the run; its ends are averages of the first and last few steps.

/** Span (in steps) of the moving average for a run of n values: a tenth of the run, 1–100. */
export const smoothingSpan = (n: number) => Math.min(100, Math.max(1, Math.round(n / 10)));

// One debiased EMA pass (as Adam debiases its moments): the first outputs average the values seen
// so far instead of leaning towards zero or towards the first value alone.
function emaPass(xs: readonly number[], beta: number): number[] {
  const out: number[] = [];
  let m = 0;
  let w = 0;
  for (const x of xs) {
    m = beta * m + (1 - beta) * x;
    w = beta * w + (1 - beta);
    out.push(m / w);
  }
  return out;
}

/** The trend of a series: a zero-lag EMA with `span` (default smoothingSpan); non-finite values are skipped. */
export function smoothSeries(values: readonly number[], span = smoothingSpan(values.length)): number[] {
  if (span <= 1 || values.length < 3) return [...values];
  const beta = 1 - 2 / (span + 1);
  const finite = values.map((v) => (Number.isFinite(v) ? v : NaN));
  // Non-finite values (a diverged step) stay as they are; the average runs over the finite ones.
  const idx = finite.flatMap((v, i) => (Number.isNaN(v) ? [] : [i]));
  const fwd = emaPass(idx.map((i) => finite[i]), beta);
  const both = emaPass(fwd.reverse(), beta).reverse();
  const out = [...values];
  idx.forEach((i, k) => (out[i] = both[k]));
  return out;
}

/** "first 0.31 · last 0.12", of the trend when the series is stochastic, else of the raw values. */
export function seriesSummary(values: readonly number[], stochastic = false): string {
  if (!values.length) return 'no values';
  const s = stochastic ? smoothSeries(values) : values;
  const fmt = (v: number) => String(+v.toPrecision(4));
  const ends = `first ${fmt(s[0])} · last ${fmt(s[s.length - 1])}`;
  return stochastic && values.length >= 3 ? `${values.length} steps · smoothed ${ends}` : `${values.length} values · ${ends}`;
}
