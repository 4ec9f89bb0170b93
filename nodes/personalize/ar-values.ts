// The boundary between ports and an autoregressive model: token grids travel as latents in
// 'tokens' space (int32 [N, side, side], codes of the pack's tokenizer), images as the runtime's
// [N, 3, R, R] in [0, 1], prompts as text whose placeholders are bound to learned words. What does
// not fit (a grid of another tokenizer, a code out of range, a prompt longer than the text encoder
// reads) is refused here, naming what was wrong.
import { type Tensor, tensor } from '../../ml/index.ts';
import type { ArModel } from '../../models/ar/index.ts';
import { toSlots } from '../../models/personalize/index.ts';
import type { ImageBatch, Latent, Prompt } from '../../runtime/index.ts';
import type { LoadedAr } from './ar-model-cache.ts';

/** The space token grids travel in. */
export const TOKENS = 'tokens';

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** A grid as a latent port value. */
export const tokensLatent = (t: Tensor): Latent => ({ kind: 'latent', space: TOKENS, tensor: t.dtype === 'int32' ? t : tensor('int32', t.shape, Array.from(t.data as ArrayLike<number | bigint>, Number)) });

/** A latent port value as token grids of this model: int32 [N, side, side], every code in range. */
export function gridOf(l: Latent, model: ArModel, what = 'token grid'): Tensor {
  if (l.space !== TOKENS) throw new Error(`this input takes a ${what} (a latent in "${TOKENS}" space, from a tokenizer inversion or an AR Sampler), got a latent in "${l.space}" space`);
  const { side } = model.grid;
  const s = l.tensor.shape;
  if (s.length !== 3 || s[1] !== side || s[2] !== side) throw new Error(`the ${what} is [${s}] but "${model.name}" uses [n, ${side}, ${side}] grids: it was made by another tokenizer`);
  if (!s[0]) throw new Error(`the ${what} holds no grids`);
  if (l.tensor.dtype !== 'int32' && l.tensor.dtype !== 'int64') throw new Error(`the ${what} holds ${l.tensor.dtype} values; token codes are whole numbers (int32)`);
  const codes = Array.from(l.tensor.data as ArrayLike<number | bigint>, Number);
  const V = model.codebookSize;
  codes.forEach((c, i) => {
    if (c >= 0 && c < V) return;
    const k = Math.floor(i / (side * side));
    const at = i % (side * side);
    throw new Error(`token ${c} at row ${Math.floor(at / side)}, column ${at % side}${s[0] > 1 ? ` of grid ${k + 1}` : ''} is outside the tokenizer's ${plural(V, 'code')}`);
  });
  return l.tensor.dtype === 'int32' ? l.tensor : tensor('int32', s, codes);
}

/** Images of a port, checked against the pack's size: [n, 3, R, R] in [0, 1]. */
export function imagesOf(batch: ImageBatch, ar: LoadedAr, what = 'images'): Tensor {
  const [, c, h, w] = batch.tensor.shape;
  const r = ar.resolution;
  if (batch.tensor.shape.length !== 4 || c !== 3) throw new Error(`the ${what} have ${c} channel${c === 1 ? '' : 's'}; the model needs RGB (3 channels)`);
  if (h !== r || w !== r) throw new Error(`the ${what} are ${w}×${h} but "${ar.model.name}" works at ${r}×${r}: put a Resize/Crop before this node`);
  return batch.tensor;
}

/** Throws unless the text fits the text encoder (which would otherwise drop the words past its length). */
export function checkPromptFits(text: string, ar: LoadedAr, what = 'prompt'): void {
  const { tokenizer } = ar.model;
  if (tokenizer.encode(toSlots(text)).truncated) {
    const room = tokenizer.maxLength - 2;
    throw new Error(`the ${what} “${text.length > 60 ? `${text.slice(0, 57)}…` : text}” is longer than the ${plural(room, 'word')} "${ar.model.name}" reads: shorten it`);
  }
}

/** The learned words a prompt binds (its own wired ones over the reference's added words). */
export const wordsOf = (added: Record<string, Tensor>, ...prompts: (Prompt | undefined)[]): Record<string, Tensor> =>
  Object.assign({}, added, ...prompts.map((p) => p?.embeddings ?? {}));
