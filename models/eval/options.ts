// What `npm run eval:models` hands to each evaluation: every models/eval/<name>.eval.ts exports
// `evaluate(options)` returning named numbers for one pack component, so adding an evaluation is
// adding one file. A module may also export `defaultPackDir` when it measures another pack than
// the diffusion one (gan.eval.ts: the GAN pack).
import { z } from 'zod';
import { anyComponentNameSchema } from '../pack/manifest.ts';

export const evalOptionsSchema = z.object({
  /** The pack folder (manifest.json + weights). */
  packDir: z.string(),
  /** onnxruntime intra-op threads. */
  threads: z.number().int().positive().default(1),
  /** Smaller sample counts: a minute instead of many, numbers only indicative. */
  quick: z.boolean().default(false),
  /** Where figures go (sample sheets); none are written when absent. */
  docsDir: z.string().optional(),
  /** Write the metrics into the manifest entry of the component (only when asked: --record). */
  record: z.boolean().default(false),
  /** Images per sampled set, for evaluations that sample (default: their own; --quick: fewer). */
  samples: z.number().int().min(2).max(100_000).optional(),
  /**
   * Score with the evaluator (and its tokenizer) of the diffusion pack in this folder instead of the
   * measured pack's own: one ruler for two packs (--evaluator DIR).
   */
  evaluatorDir: z.string().optional(),
});

export interface EvalOptions extends z.infer<typeof evalOptionsSchema> {
  log?: (line: string) => void;
}

export const evalResultSchema = z.object({
  component: anyComponentNameSchema,
  metrics: z.record(z.string(), z.number()),
  /** Metric name → what it means (for the table). */
  notes: z.record(z.string(), z.string()).optional(),
});
export type EvalResult = z.infer<typeof evalResultSchema>;

export type EvalFn = (opts: EvalOptions) => Promise<EvalResult>;
