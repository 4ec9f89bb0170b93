// The Metrics node's work once a family has given its evaluator: the scores (CLIP-I, CLIP-T, PSNR,
// SSIM) of the wired images and their CSV table. Families differ only in where the evaluator comes
// from and how a port's images become the model's ([−1, 1], its size).
import type { ClipEmbedder } from '../../models/evaluator/embed.ts';
import { metricsCsv, scoreImages } from '../../models/personalize/index.ts';
import type { TokenizerConfig } from '../../models/text/tokenizer.ts';
import type { ImageBatch } from '../../runtime/index.ts';
import type metricsSpec from '../metrics.ts';
import type { Ctx, Out } from './families.ts';

export interface Scorer {
  evaluator: ClipEmbedder;
  tokenizer: TokenizerConfig;
  /** Image side the evaluator reads. */
  size: number;
  /** A port's images as the model's: [n, 3, size, size] in [−1, 1], or a named refusal. */
  images(batch: ImageBatch, what: string): { data: Float32Array; n: number };
}

/** Checked before a model loads: what the node needs wired to score anything. */
export function checkScoreInputs({ inputs }: Ctx<typeof metricsSpec>): void {
  if (!inputs.references && !inputs.prompt) throw new Error('wire references (for CLIP-I, PSNR, SSIM) or a prompt (for CLIP-T), or both');
}

export async function scoreNode({ inputs, params }: Ctx<typeof metricsSpec>, s: Scorer): Promise<Out<typeof metricsSpec>> {
  const images = s.images(inputs.images, 'images');
  const values = await scoreImages(s.evaluator, s.tokenizer, {
    images: images.data,
    n: images.n,
    size: s.size,
    references: inputs.references ? s.images(inputs.references, 'reference') : undefined,
    prompt: inputs.prompt?.text,
    placeholderAs: params.placeholderAs,
  });
  const csv = new TextEncoder().encode(metricsCsv(values));
  return { metrics: { kind: 'metrics', values }, table: { kind: 'files', files: [{ name: `${params.name}.csv`, mime: 'text/csv', bytes: csv }] } };
}
