// A series (a loss curve) as a small line chart with its first and last values. A stochastic
// series (random timesteps and noise) is drawn as its smoothed trend over the raw values, faint,
// and its caption gives the trend's ends.
import { seriesSummary, smoothSeries } from '../../runtime/index.ts';

export function Sparkline({ values, stochastic = false, width = 220, height = 64 }: { values: readonly number[]; stochastic?: boolean; width?: number; height?: number }) {
  if (!values.length) return <p className="muted">no values</p>;
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const x = (i: number) => (values.length === 1 ? width / 2 : (i / (values.length - 1)) * width);
  const y = (v: number) => (hi === lo ? height / 2 : height - 4 - ((v - lo) / (hi - lo)) * (height - 8));
  const points = (vs: readonly number[]) => vs.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  return (
    <figure className="sparkline">
      <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label="series">
        {stochastic ? (
          <>
            <polyline points={points(values)} fill="none" stroke="currentColor" strokeOpacity="0.25" strokeWidth="1" />
            <polyline points={points(smoothSeries(values))} fill="none" stroke="currentColor" strokeWidth="1.5" data-testid="trend" />
          </>
        ) : (
          <polyline points={points(values)} fill="none" stroke="currentColor" strokeWidth="1.5" />
        )}
      </svg>
      <figcaption>{seriesSummary(values, stochastic)}</figcaption>
    </figure>
  );
}
