// The measurements personalization is judged by, on images in [−1, 1]:
//  - CLIP-I: mean cosine between the evaluator embeddings of every generated and every reference
//    image (DreamBooth's subject fidelity);
//  - CLIP-T: mean cosine between each image and the prompt (prompt fidelity). A placeholder means
//    nothing to the evaluator, so it is replaced by a stand-in word (DreamBooth uses the class noun);
//  - PSNR and SSIM against the references, paired i ↔ i (or every image against a single reference).
import { clipI, clipT, type ClipEmbedder } from '../evaluator/index.ts';
import { mean, psnrPerImage, ssimPerImage } from '../eval/image-metrics.ts';
import { Tokenizer, type TokenizerConfig } from '../text/tokenizer.ts';
import { toSlots } from './placeholders.ts';

export interface ScoreInput {
  images: Float32Array;
  n: number;
  /** [n, 3, S, S] side. */
  size: number;
  references?: { data: Float32Array; n: number };
  prompt?: string;
  /** What a placeholder reads as for CLIP-T ('' drops it). */
  placeholderAs?: string;
}

/** The prompt as the evaluator should read it: placeholders replaced by the stand-in word. */
export const evaluatorText = (prompt: string, placeholderAs = '') => toSlots(prompt).replace(/<s\d+>/g, placeholderAs).replace(/\s+/g, ' ').trim();

export async function scoreImages(clip: ClipEmbedder, tokenizer: TokenizerConfig, s: ScoreInput): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const gen = (await clip.embedImages(s.images, s.n)).embedding;
  if (s.references) {
    const ref = (await clip.embedImages(s.references.data, s.references.n)).embedding;
    out.clipI = clipI(gen, ref);
    const per = 3 * s.size * s.size;
    const paired = new Float32Array(s.n * per);
    for (let i = 0; i < s.n; i++) paired.set(s.references.data.subarray((i % s.references.n) * per, ((i % s.references.n) + 1) * per), i * per);
    out.psnr = mean(psnrPerImage(s.images, paired, s.n).map((v) => Math.min(v, 100)));
    out.ssim = mean(ssimPerImage(s.images, paired, [s.n, 3, s.size, s.size]));
  }
  if (s.prompt !== undefined) {
    const tok = new Tokenizer({ ...tokenizer, maxLength: clip.config.maxLength });
    const ids = tok.encode(evaluatorText(s.prompt, s.placeholderAs)).ids;
    const txt = await clip.embedTexts(Array.from({ length: s.n }, () => ids));
    out.clipT = clipT(gen, txt);
  }
  return out;
}

/** Metrics as a CSV table: one row per metric. */
export const metricsCsv = (values: Record<string, number>) => `metric,value\n${Object.entries(values).map(([k, v]) => `${k},${v}`).join('\n')}\n`;
