// Prompt ports → text contexts for a pack's denoiser, batch-sized: the prompt's placeholders bound
// to their embeddings, the negative prompt (empty when none is wired) for classifier-free guidance.
import type { TextToImage } from '../../models/diffusion/pipeline.ts';
import type { PackModel } from '../../models/personalize/index.ts';
import type { Prompt } from '../../runtime/index.ts';

const bindings = (p: Prompt | undefined) => Object.fromEntries(Object.entries(p?.embeddings ?? {}).map(([k, t]) => [k, t.data as Float32Array]));

/** The contexts for `n` images: cond from the prompt, uncond from the negative prompt. */
export async function conditioning(
  model: PackModel,
  pipe: TextToImage,
  n: number,
  prompt: Prompt | undefined,
  negative: Prompt | undefined,
  allowUnbound: readonly string[] = [],
  /** The model reference's added tokens; embeddings wired into the prompt take precedence. */
  added: Record<string, Float32Array> = {},
) {
  const encode = (p: Prompt | undefined) => pipe.encodeEmbeddings(model.promptEmbeds(Array(n).fill(p?.text ?? ''), { ...added, ...bindings(p) }, pipe, allowUnbound));
  const cond = await encode(prompt);
  const uncond = await encode(negative);
  return { cond, uncond };
}
