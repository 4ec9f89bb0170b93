// The GAN as an optimizable model family (models/family.ts), so the Latent Optimizer and the LoRA
// Trainer run on it as on any family: inversion into one chosen space, and tuning by pivotal
// tuning (the pivot inversion takes as many steps as the tuning).
import type { OptimizableModel } from '../family.ts';
import type { GanSpace } from './graphs.ts';
import type { InversionWeights } from './invert.ts';
import type { GanModel } from './model.ts';
import type { PivotalTuningOptions } from './pti.ts';

export interface GanFamilyOptions {
  weights?: Partial<InversionWeights>;
  locality?: PivotalTuningOptions['locality'];
}

/** The latent space name a GAN code carries on a port ('gan:w+'). */
export const ganSpaceName = (space: GanSpace) => `gan:${space}`;

export function ganOptimizable(model: GanModel, space: GanSpace = 'w+', o: GanFamilyOptions = {}): OptimizableModel {
  return {
    name: model.name,
    space: ganSpaceName(space),
    invert: (images, s) => model.invert(space, images, { ...s, weights: o.weights }),
    async tune(images, s) {
      const r = await model.pivotalTuning(images, {
        ...s,
        pivotSteps: s.steps,
        pivotLr: 0.05,
        locality: o.locality ?? { weight: 1, samples: 4 },
        weights: o.weights && { pixel: o.weights.pixel ?? 1, perceptual: o.weights.perceptual ?? 0.5 },
      });
      return { ...r, tensors: r.lora, meta: r.meta };
    },
  };
}
