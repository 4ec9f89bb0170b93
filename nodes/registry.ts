// The one registry of node types with their run code: the runtime's executors, the workers, the
// CLI and the tests read this. The editor's main thread reads the same declarations without run
// code (./declarations.ts), so its bundle holds none of ml/ or models/.
import { implementRegistry } from '../runtime/index.ts';
import arSampler from './ar-sampler.run.ts';
import blend from './blend.run.ts';
import conceptEncoder from './concept-encoder.run.ts';
import { declarations } from './declarations.ts';
import decoder from './decoder.run.ts';
import encoderInversion from './encoder-inversion.run.ts';
import imageLoader from './image-loader.run.ts';
import latentEdit from './latent-edit.run.ts';
import latentOptimizer from './latent-optimizer.run.ts';
import likelihood from './likelihood.run.ts';
import loraTrainer from './lora-trainer.run.ts';
import metrics from './metrics.run.ts';
import onnxModel from './onnx-model.run.ts';
import modelLoader from './model-loader.run.ts';
import preview from './preview.run.ts';
import resizeCrop from './resize-crop.run.ts';
import sampler from './sampler.run.ts';
import saveImage from './save-image.run.ts';
import seedNoise from './seed-noise.run.ts';
import textPrompt from './text-prompt.run.ts';

export const registry = implementRegistry(declarations, [
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
