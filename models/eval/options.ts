// What `npm run eval:models` hands to each evaluation: every models/eval/<name>.eval.ts exports
// `evaluate(options)` returning named numbers for one pack component, so adding an evaluation is
// adding one file.
import { z } from 'zod';
import { componentNameSchema } from '../pack/manifest.ts';

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
});

export interface EvalOptions extends z.infer<typeof evalOptionsSchema> {
  log?: (line: string) => void;
}

export const evalResultSchema = z.object({
  component: componentNameSchema,
  metrics: z.record(z.string(), z.number()),
  /** Metric name → what it means (for the table). */
  notes: z.record(z.string(), z.string()).optional(),
});
export type EvalResult = z.infer<typeof evalResultSchema>;

export type EvalFn = (opts: EvalOptions) => Promise<EvalResult>;
