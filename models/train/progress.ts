// The progress line: step/total, loss EMA, steps/s and ETA. Formatting is pure; the reporter
// takes a clock, so tests drive it with their own time.

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(r).padStart(2, '0')}s` : `${r}s`;
}

export interface ProgressSnapshot {
  model: string;
  step: number;
  total: number;
  lossEma: number | null;
  stepsPerSecond: number;
}

export function progressLine(p: ProgressSnapshot): string {
  const pct = ((100 * p.step) / p.total).toFixed(1);
  const eta = p.stepsPerSecond > 0 ? formatDuration((p.total - p.step) / p.stepsPerSecond) : '?';
  const loss = p.lossEma === null ? '-' : p.lossEma.toPrecision(4);
  return `[${p.model}] step ${p.step}/${p.total} (${pct}%)  loss ${loss}  ${p.stepsPerSecond.toFixed(2)} steps/s  ETA ${eta}`;
}

/** Exponential moving average, with the usual bias correction so early values are not dragged to 0. */
export class Ema {
  private v = 0;
  private n = 0;
  constructor(
    readonly decay = 0.98,
    initial: number | null = null,
  ) {
    if (initial !== null) {
      this.v = initial;
      this.n = 1e6; // a resumed average is already warmed up
    }
  }
  push(x: number): void {
    this.v = this.decay * this.v + (1 - this.decay) * x;
    this.n++;
  }
  get value(): number | null {
    return this.n === 0 ? null : this.n >= 1e6 ? this.v : this.v / (1 - this.decay ** this.n);
  }
}

/** Emits a line at most every `intervalMs` (and always for the last step); rate over a sliding window. */
export class ProgressReporter {
  private lastEmit = -Infinity;
  private window: { t: number; step: number }[] = [];

  constructor(
    private readonly emit: (line: string) => void,
    private readonly intervalMs = 10_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  update(s: Omit<ProgressSnapshot, 'stepsPerSecond'>): void {
    const t = this.now();
    this.window.push({ t, step: s.step });
    while (this.window.length > 2 && t - this.window[0].t > 120_000) this.window.shift();
    const first = this.window[0];
    const rate = t > first.t ? ((s.step - first.step) * 1000) / (t - first.t) : 0;
    if (t - this.lastEmit >= this.intervalMs || s.step >= s.total) {
      this.lastEmit = t;
      this.emit(progressLine({ ...s, stepsPerSecond: rate }));
    }
  }
}
