// What `npm run train -- <model>` hands to a model's trainer. Every models/train/<model>.train.ts
// exports `train(options)` with this signature, so adding a model is adding one file.
import { z } from 'zod';
import type { ComponentEntry } from '../pack/manifest.ts';

export const trainOptionsSchema = z.object({
  /** Optimizer steps in total (a resumed run continues up to this count). Default: the model's own. */
  steps: z.number().int().positive().optional(),
  batch: z.number().int().positive().optional(),
  lr: z.number().positive().optional(),
  /** onnxruntime intra-op threads (default 1: the machine is shared). */
  threads: z.number().int().positive().default(1),
  /** Continue from the checkpoint in `checkpoints` instead of starting from scratch. */
  resume: z.boolean().default(false),
  /** Folder for this model's checkpoint and loss log (<checkpoints>/<model>/). */
  checkpoints: z.string(),
  /** Pack folder the trained component is exported into. */
  out: z.string(),
  /** A few steps on a handful of images: proves the pipeline, trains nothing useful. */
  smoke: z.boolean().default(false),
  /** Steps between checkpoints (default: the model's own). */
  checkpointEvery: z.number().int().positive().optional(),
  /** Skip exporting into the pack (tests, experiments). */
  noExport: z.boolean().default(false),
  /** Only export the checkpoint as it is into the pack; train nothing (models whose module has exportOnly). */
  exportOnly: z.boolean().default(false),
  /** A GAN training checkpoint folder to take the generator from (trainers built on the GAN). */
  ganCheckpoint: z.string().optional(),
  /** The AR tokenizer's quantizer: finite scalar quantization (default) or the VQ contrast. */
  quantizer: z.enum(['fsq', 'vq']).optional(),
});
export type TrainOptionsInput = z.input<typeof trainOptionsSchema>;

export interface TrainOptions extends z.infer<typeof trainOptionsSchema> {
  /** Where progress lines go (default stderr). */
  log?: (line: string) => void;
  /** Aborting stops after the current step, writes a checkpoint and returns (SIGINT does this). */
  signal?: AbortSignal;
}

export interface TrainResult {
  /** Steps done in total, earlier resumed segments included. */
  step: number;
  totalSteps: number;
  /** True when stopped by the signal before totalSteps. */
  interrupted: boolean;
  /** Mean loss over the last up to 50 steps. */
  recentLoss: number;
  wallTimeSeconds: number;
  /** The manifest entry written, when the run finished and exported. */
  exported?: ComponentEntry;
}

export type TrainFn = (opts: TrainOptions) => Promise<TrainResult>;

/** The size of a run: optimizer steps, batch, learning rate and warmup steps. */
export interface RunShape {
  steps: number;
  batch: number;
  lr: number;
  warmup: number;
}

/**
 * A run's shape: the command line's, else (in a smoke run) what the smoke settings name, else the
 * model's defaults. Warmup is at most a tenth of the steps, so short runs still reach their rate.
 */
export function runShape(opts: TrainOptions, defaults: RunShape, smoke: Partial<RunShape>): RunShape {
  const pick = (k: keyof RunShape) => (opts.smoke ? smoke[k] : undefined) ?? defaults[k];
  const steps = opts.steps ?? pick('steps');
  return { steps, batch: opts.batch ?? pick('batch'), lr: opts.lr ?? pick('lr'), warmup: Math.min(pick('warmup'), Math.floor(steps / 10)) };
}

/** `--export-only`: writes the pack from the model's checkpoint in `checkpoints` without training. */
export type ExportOnlyFn = (opts: TrainOptions) => Promise<TrainResult>;
