// Progress of a running node, with the time left once there is a rate to estimate it from.
export const formatMs = (ms: number) => (ms < 1000 ? `${Math.round(ms)} ms` : ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`);

export function ProgressBar({ progress, etaMs }: { progress?: { value: number; max: number }; etaMs?: number }) {
  const fraction = progress && progress.max > 0 ? progress.value / progress.max : undefined;
  return (
    <div className="progress" data-testid="progress">
      <div className={`progress-track${fraction === undefined ? ' indeterminate' : ''}`}>
        <div className="progress-fill" style={{ width: fraction === undefined ? undefined : `${(fraction * 100).toFixed(1)}%` }} />
      </div>
      <span className="progress-text">
        {progress ? `${progress.value}/${progress.max}` : 'working…'}
        {etaMs !== undefined && ` · ${formatMs(etaMs)} left`}
      </span>
    </div>
  );
}
