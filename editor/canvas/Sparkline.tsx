// A series (a loss curve) as a small line chart with its scale: the highest and lowest values on
// the left, the count and the first and last values below. A stochastic series (random
// timesteps and noise) is drawn as its smoothed trend over the raw values, faint, and its caption
// gives the trend's ends.
import { seriesSummary, smoothSeries } from '../../runtime/index.ts';

const fmt = (v: number) => String(+v.toPrecision(3));

export function Sparkline({ values, stochastic = false, width = 220, height = 64 }: { values: readonly number[]; stochastic?: boolean; width?: number; height?: number }) {
  if (!values.length) return <p className="muted">no values</p>;
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const x = (i: number) => (values.length === 1 ? width / 2 : (i / (values.length - 1)) * width);
  const y = (v: number) => (hi === lo ? height / 2 : height - 4 - ((v - lo) / (hi - lo)) * (height - 8));
  const points = (vs: readonly number[]) => vs.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  return (
    <figure className="sparkline" data-testid="sparkline">
      <div className="sparkline-plot">
        <div className="sparkline-axis" data-testid="sparkline-axis">
          <span>{fmt(hi)}</span>
          <span>{fmt(lo)}</span>
        </div>
        <svg width={width - 40} height={height} viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" role="img" aria-label={`series of ${values.length} values from ${fmt(values[0])} to ${fmt(values[values.length - 1])}`}>
          <line x1="0" y1={height - 4} x2={width} y2={height - 4} stroke="#2a303b" />
          <line x1="0" y1="4" x2={width} y2="4" stroke="#2a303b" />
          {stochastic ? (
            <>
              <polyline points={points(values)} fill="none" stroke="currentColor" strokeOpacity="0.25" strokeWidth="1" vectorEffect="non-scaling-stroke" />
              <polyline points={points(smoothSeries(values))} fill="none" stroke="currentColor" strokeWidth="1.5" vectorEffect="non-scaling-stroke" data-testid="trend" />
            </>
          ) : (
            <polyline points={points(values)} fill="none" stroke="currentColor" strokeWidth="1.5" vectorEffect="non-scaling-stroke" />
          )}
        </svg>
      </div>
      <figcaption>
        {seriesSummary(values, stochastic)}
      </figcaption>
    </figure>
  );
}
