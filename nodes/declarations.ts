// Every node type's declaration (ports, params, flags, framework tags) without its run code: what
// the editor's main thread loads. The same list, paired with run code, is nodes/registry.ts.
import { createRegistry } from '../runtime/index.ts';
import arSampler from './ar-sampler.ts';
import blend from './blend.ts';
import conceptEncoder from './concept-encoder.ts';
import decoder from './decoder.ts';
import encoderInversion from './encoder-inversion.ts';
import imageLoader from './image-loader.ts';
import latentEdit from './latent-edit.ts';
import latentOptimizer from './latent-optimizer.ts';
import likelihood from './likelihood.ts';
import loraTrainer from './lora-trainer.ts';
import metrics from './metrics.ts';
import onnxModel from './onnx-model.ts';
import modelLoader from './model-loader.ts';
import preview from './preview.ts';
import resizeCrop from './resize-crop.ts';
import sampler from './sampler.ts';
import saveImage from './save-image.ts';
import seedNoise from './seed-noise.ts';
import textPrompt from './text-prompt.ts';

export const declarations = createRegistry([
  imageLoader,
  resizeCrop,
  blend,
  seedNoise,
  textPrompt,
  preview,
  saveImage,
  modelLoader,
  onnxModel,
  encoderInversion,
  conceptEncoder,
  latentOptimizer,
  loraTrainer,
  latentEdit,
  sampler,
  arSampler,
  decoder,
  metrics,
  likelihood,
]);
