// What a metric's number means: its name for people, its scale, which way is better, and the
// line it should be read against, taken from the model pack's own published evaluation (the
// manifest's `metrics`), so another pack brings its own lines. Pure.

export interface MetricScale {
  label: string;
  min: number;
  max: number;
  unit?: string;
  /** Where in the pack's manifest the reference line is, and what it stands for. */
  line?: { path: readonly string[]; kind: 'floor' | 'ceiling'; what: string };
}

export const METRIC_SCALES: Readonly<Record<string, MetricScale>> = {
  clipI: {
    label: 'CLIP-I (subject fidelity)',
    min: -1,
    max: 1,
    line: { path: ['components', 'evaluator', 'metrics', 'heldOutClipIStylesOther'], kind: 'floor', what: 'an unrelated emoji scores this' },
  },
  clipT: {
    label: 'CLIP-T (prompt fidelity)',
    min: -1,
    max: 1,
    line: { path: ['components', 'unet', 'metrics', 't2i_clipT_gen'], kind: 'floor', what: 'the base model drawing the prompt scores this' },
  },
  psnr: {
    label: 'PSNR (reconstruction)',
    min: 0,
    max: 50,
    unit: 'dB',
    line: { path: ['components', 'vae', 'metrics', 'psnrHeldOut'], kind: 'ceiling', what: 'the autoencoder’s own round trip reaches this' },
  },
  ssim: {
    label: 'SSIM (structure)',
    min: 0,
    max: 1,
    line: { path: ['components', 'vae', 'metrics', 'ssimHeldOut'], kind: 'ceiling', what: 'the autoencoder’s own round trip reaches this' },
  },
  // An autoregressive model's loss: the scale ends near a blind guess among 1,000 codes (ln 1000 ≈ 6.9
  // nats, log₂ 1000 ≈ 10 bits); lower is better.
  natsPerToken: {
    label: 'Loss (nats per token, lower is better)',
    min: 0,
    max: 7,
    unit: 'nats',
    line: { path: ['components', 'transformer', 'metrics', 'trainProbeNll'], kind: 'ceiling', what: 'the model’s loss on images it was trained on' },
  },
  bitsPerToken: { label: 'Loss (bits per token, lower is better)', min: 0, max: 10, unit: 'bits' },
};

/** The number at `path` in a manifest, if there is one. */
export function lineValue(manifest: unknown, path: readonly string[]): number | undefined {
  let v: unknown = manifest;
  for (const k of path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Where a value sits on its scale, from 0 to 1. */
export const onScale = (s: Pick<MetricScale, 'min' | 'max'>, v: number) => Math.max(0, Math.min(1, (v - s.min) / (s.max - s.min)));
