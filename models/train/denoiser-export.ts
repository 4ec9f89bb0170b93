// Writes the trained text encoder and UNet into the pack: their EMA weights as
// text-encoder.safetensors and unet.safetensors (float16 by default: half the bytes, and the loader
// widens them to the float32 the graphs take), their manifest entries (architecture with the UNet's
// noise schedule and prediction type, recipe), the tokenizer the text encoder was trained with, and
// the UNet's LoRA targets.
import { f32, type Tensor } from '../../ml/index.ts';
import { textEncoderArchitecture, textEncoderWeightShapes, unetArchitecture, unetLoraTargets, unetWeightShapes } from '../diffusion/architecture.ts';
import type { DiffusionConfig } from '../diffusion/graphs.ts';
import { emojiPackBase } from '../pack/emoji-pack.ts';
import type { ComponentEntry, DiffusionManifest } from '../pack/manifest.ts';
import { exportComponent } from '../pack/write.ts';
import type { TokenizerConfig } from '../text/tokenizer.ts';

export interface DenoiserExport {
  dir: string;
  config: DiffusionConfig;
  /** Weights to export by graph-input name ('text.…', 'unet.…'). */
  ema: Record<string, Float32Array>;
  step: number;
  wallTimeSeconds: number;
  options: { batch: number; lr: number; threads: number; seed: number; captionDropout: number; minSnrGamma: number; emaDecay: number; warmup: number; steps: number };
  data: { description: string };
  tokenizer: TokenizerConfig;
  /** Storage dtype of both files (default float16). */
  dtype?: 'float32' | 'float16';
}

export async function exportDenoiser(e: DenoiserExport): Promise<{ text: ComponentEntry; unet: ComponentEntry }> {
  const pick = (prefix: string) => {
    const out: Record<string, Tensor> = {};
    for (const [n, v] of Object.entries(e.ema)) if (n.startsWith(prefix)) out[n] = f32(shapeOf(e.config, n, v.length), v);
    return out;
  };
  const recipe = {
    steps: e.step,
    batch: e.options.batch,
    lr: e.options.lr,
    optimizer: 'AdamW',
    wallTimeSeconds: Math.round(e.wallTimeSeconds),
    threads: e.options.threads,
    data: e.data.description,
    seed: e.options.seed,
    notes:
      `joint text encoder + UNet, ${e.config.unet.prediction === 'v' ? 'v-prediction (the graph returns ε̂ = √ᾱ·v̂ + √(1−ᾱ)·x_t)' : 'ε-prediction'}, ` +
      `${e.config.unet.schedule.kind} DDPM schedule (${e.config.unet.schedule.steps} steps), caption dropout ${e.options.captionDropout}, ` +
      `min-SNR-${e.options.minSnrGamma} loss weights, ` +
      `warmup ${e.options.warmup} + cosine over ${e.options.steps} steps, grad-norm clip 1, EMA ${e.options.emaDecay} (exported)`,
  };
  const targets = unetLoraTargets(e.config);
  const patch = (m: DiffusionManifest) => {
    m.tokenizer = e.tokenizer;
    m.lora = [
      ...m.lora.filter((t) => t.component !== 'unet'),
      { component: 'unet', kind: 'attention', layers: targets.attention },
      { component: 'unet', kind: 'conv', layers: targets.conv },
    ];
  };
  const dtype = e.dtype ?? 'float16';
  const text = await exportComponent({ dir: e.dir, component: 'textEncoder', tensors: pick('text.'), architecture: textEncoderArchitecture(e.config.text), dtype, recipe, base: emojiPackBase });
  const unet = await exportComponent({ dir: e.dir, component: 'unet', tensors: pick('unet.'), architecture: unetArchitecture(e.config.unet), dtype, recipe, base: emojiPackBase, patch });
  return { text, unet };
}

// EMA buffers are flat; shapes come from the architecture (built once per export, cheap).
let shapes: { key: string; map: Map<string, number[]> } | null = null;
function shapeOf(config: DiffusionConfig, name: string, n: number): number[] {
  const key = JSON.stringify(config);
  if (shapes?.key !== key) shapes = { key, map: new Map(Object.entries({ ...textEncoderWeightShapes(textEncoderArchitecture(config.text)), ...unetWeightShapes(unetArchitecture(config.unet)) })) };
  const s = shapes.map.get(name);
  if (!s || s.reduce((a, b) => a * b, 1) !== n) throw new Error(`export: no shape for ${name} (${n} values)`);
  return s;
}
