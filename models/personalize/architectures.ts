// Every architecture kind a diffusion pack may hold, mapped to the weights it needs: what
// loadPack checks each component's file against. One table, so a node, the benchmark and the
// tests load packs the same way.
import { TEXT_ENCODER_KIND, textEncoderWeightShapes, UNET_KIND, unetWeightShapes } from '../diffusion/architecture.ts';
import { VAE_KIND, vaeWeightShapes } from '../diffusion/vae.ts';
import { CLIP_KIND, clipWeightShapes } from '../evaluator/architecture.ts';
import type { TensorSpec } from '../pack/load.ts';
import { CONCEPT_ENCODER_KIND, conceptEncoderWeightShapes } from './concept-encoder.ts';

export const PACK_ARCHITECTURES: Record<string, TensorSpec> = {
  [VAE_KIND]: vaeWeightShapes,
  [TEXT_ENCODER_KIND]: textEncoderWeightShapes as TensorSpec,
  [UNET_KIND]: unetWeightShapes as TensorSpec,
  [CLIP_KIND]: clipWeightShapes as TensorSpec,
  [CONCEPT_ENCODER_KIND]: conceptEncoderWeightShapes as TensorSpec,
};
