// A series (a loss curve) as a small line chart with its first and last values.
export function Sparkline({ values, width = 220, height = 64 }: { values: readonly number[]; width?: number; height?: number }) {
  if (!values.length) return <p className="muted">no values</p>;
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const x = (i: number) => (values.length === 1 ? width / 2 : (i / (values.length - 1)) * width);
  const y = (v: number) => (hi === lo ? height / 2 : height - 4 - ((v - lo) / (hi - lo)) * (height - 8));
  const points = values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  return (
    <figure className="sparkline">
      <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label="series">
        <polyline points={points} fill="none" stroke="currentColor" strokeWidth="1.5" />
      </svg>
      <figcaption>
        {values.length} values · first {+values[0].toPrecision(4)} · last {+values[values.length - 1].toPrecision(4)}
      </figcaption>
    </figure>
  );
}
