// Prefix tuning's trainable state as tensors: per layer i, 'ar.blocks.<i>.attn.prefix_key' and
// '.prefix_value', each [P, width] (the keys and values every position attends to before its own,
// heads not yet split). The names are the graphs' weight inputs, so a set feeds any graph built
// with the same P, and a set of another width or depth is refused before a session sees it.
import type { Tensor } from '../../ml/index.ts';
import type { ArModelConfig } from './graphs.ts';
import { MAX_PREFIX_TOKENS } from './transformer.ts';

export const prefixKeyName = (layer: number) => `ar.blocks.${layer}.attn.prefix_key`;
export const prefixValueName = (layer: number) => `ar.blocks.${layer}.attn.prefix_value`;

/** Every prefix weight name of a model, layer by layer (key, value). */
export const prefixNames = (m: ArModelConfig) => Array.from({ length: m.transformer.layers }, (_, i) => [prefixKeyName(i), prefixValueName(i)]).flat();

/** Tokens per layer of a prefix set (its first tensor's rows). */
export function prefixTokenCount(prefix: Record<string, Tensor>): number {
  const first = Object.values(prefix)[0];
  if (!first) throw new Error('the prefix holds no tensors');
  return first.shape[0];
}

/** Throws unless `prefix` is exactly one [P, width] key and value per layer of this transformer; returns P. */
export function checkPrefixTokens(m: ArModelConfig, prefix: Record<string, Tensor>): number {
  const { layers, width } = m.transformer;
  const P = prefixTokenCount(prefix);
  if (!Number.isInteger(P) || P < 1 || P > MAX_PREFIX_TOKENS) throw new Error(`the prefix has ${P} tokens per layer; 1 … ${MAX_PREFIX_TOKENS} are allowed`);
  const want = new Set(prefixNames(m));
  for (const k of Object.keys(prefix))
    if (!want.has(k)) throw new Error(`prefix tensor "${k}" is not a prefix of this transformer (${layers} layers): the prefix was made for another model`);
  for (const k of want) {
    const t = prefix[k];
    if (!t) throw new Error(`the prefix lacks "${k}": it was made for a transformer with fewer layers than this one's ${layers}`);
    if (t.dtype !== 'float32') throw new Error(`prefix tensor "${k}" is ${t.dtype}, not float32`);
    if (t.shape.length !== 2 || t.shape[0] !== P || t.shape[1] !== width)
      throw new Error(`prefix tensor "${k}" is [${t.shape}], but this transformer needs [${P}, ${width}]: the prefix was made for another model`);
  }
  return P;
}
