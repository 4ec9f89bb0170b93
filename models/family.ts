// What the optimization nodes (Latent Optimizer, LoRA Trainer) ask of a model, whatever its
// family: invert images into its input, tune adapters so it reproduces them, and render a value
// for previews. A family implements this once; the nodes call it without knowing which it is.
import type { Tensor } from '../ml/index.ts';
import type { LoopResult } from './personalize/optimize.ts';

export interface OptimizeSettings {
  steps: number;
  lr: number;
  seed: number;
  patience?: number;
  previewEvery?: number;
  signal?: AbortSignal;
  onStep?: (step: number, loss: number) => void;
}

export interface OptimizableModel {
  readonly name: string;
  /** The inversion space's name (on the latent the inversion outputs). */
  readonly space: string;
  /** The value (in `space`) whose rendering matches the images ([n, 3, H, W] in [0, 1]). */
  invert(images: Tensor, o: OptimizeSettings & { init?: Tensor; onPreview?: (step: number, images: Tensor) => void | Promise<void> }): Promise<LoopResult & { value: Tensor }>;
  /** Low-rank adapters fitted so the model reproduces the images; with the metadata to save them. */
  tune(images: Tensor, o: OptimizeSettings & { rank: number; alpha: number }): Promise<LoopResult & { tensors: Record<string, Tensor>; meta: Record<string, string> }>;
}
