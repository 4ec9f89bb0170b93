// Metrics with their meaning: each value on its scale as a bar, with the line it should be read
// against (a floor to beat, or the ceiling the model itself reaches) from the pack's manifest.
import { useEffect, useState } from 'react';
import { lineValue, METRIC_SCALES, onScale } from '../exec/metric-scales.ts';
import { manifestOf } from '../files/pack-manifest.ts';

const fmt = (v: number) => String(+v.toPrecision(4));

export function MetricsTable({ values, pack }: { values: Record<string, number>; pack?: string }) {
  const [manifest, setManifest] = useState<unknown>();
  useEffect(() => {
    let live = true;
    if (pack) void manifestOf(pack).then((m) => live && setManifest(m));
    return () => {
      live = false;
    };
  }, [pack]);
  return (
    <table className="metrics" data-testid="metrics-table">
      <tbody>
        {Object.entries(values).map(([k, v]) => {
          const scale = METRIC_SCALES[k];
          const line = scale?.line && lineValue(manifest, scale.line.path);
          return (
            <tr key={k} data-metric={k}>
              <th title={scale?.label}>{scale?.label.replace(/ \(.*\)$/, '') ?? k}</th>
              <td className="metric-value" data-value={v}>
                {+v.toPrecision(4)}
                {scale?.unit ? ` ${scale.unit}` : ''}
              </td>
              {scale && (
                <td className="metric-bar-cell">
                  <div className="metric-bar" title={`scale ${scale.min} to ${scale.max}${scale.unit ? ` ${scale.unit}` : ''}`} data-testid="metric-bar">
                    <div className="metric-fill" style={{ width: `${onScale(scale, v) * 100}%` }} />
                    {line !== undefined && <div className={`metric-line ${scale.line!.kind}`} style={{ left: `${onScale(scale, line) * 100}%` }} />}
                  </div>
                  <div className="metric-scale">
                    <span>{scale.min}</span>
                    {line !== undefined && (
                      <span className="metric-line-text" data-testid="metric-line" title={scale.line!.what}>
                        {scale.line!.kind} {fmt(line)}
                      </span>
                    )}
                    <span>{scale.max}</span>
                  </div>
                </td>
              )}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
