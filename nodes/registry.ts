// The one registry of node types: the runtime, the workers, the CLI and the editor read this.
import { createRegistry } from '../runtime/index.ts';
import blend from './blend.ts';
import imageLoader from './image-loader.ts';
import preview from './preview.ts';
import resizeCrop from './resize-crop.ts';
import saveImage from './save-image.ts';
import seedNoise from './seed-noise.ts';
import textPrompt from './text-prompt.ts';

export const registry = createRegistry([imageLoader, resizeCrop, blend, seedNoise, textPrompt, preview, saveImage]);
