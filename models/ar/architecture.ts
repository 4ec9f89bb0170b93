// The AR family's two trained components as a model pack records them: each architecture entry is
// { kind, ...config }, bounded by the config's own schema, and the weights it needs follow from
// building its modules once (no session, nothing run). Kept apart from the loader so the manifest
// schema can import it without a cycle.
import { z } from 'zod';
import type { TextEncoderConfig } from '../diffusion/text-encoder.ts';
import { paramShapes } from '../pack/spec.ts';
import { type ArTokenizerConfig, arTokenizerConfigSchema, checkTokenizerConfig } from './config.ts';
import { transformerWeightShapes } from './graphs.ts';
import { tokenizerModules } from './tokenizer.ts';
import { type ArTransformerConfig, arTransformerConfigSchema } from './transformer-config.ts';

/** The image tokenizer's kind: FSQ or VQ, as its quantizer says (the VQ one is the teaching contrast). */
export const AR_TOKENIZER_KIND = 'ar-tokenizer-v1' as const;
export const AR_TRANSFORMER_KIND = 'ar-transformer-v1' as const;

/** An image tokenizer entry's architecture: the bounded tokenizer config, its kind required. */
export const arTokenizerArchitectureSchema = arTokenizerConfigSchema.extend({ kind: z.literal(AR_TOKENIZER_KIND) }).strict();
/** A transformer entry's architecture: the bounded transformer config under its kind. */
export const arTransformerArchitectureSchema = arTransformerConfigSchema.extend({ kind: z.literal(AR_TRANSFORMER_KIND) }).strict();

type Arch = { kind: string } & Record<string, unknown>;

export const arTokenizerArchitecture = (c: ArTokenizerConfig) => ({ ...c, kind: AR_TOKENIZER_KIND });
export const arTransformerArchitecture = (c: ArTransformerConfig) => ({ kind: AR_TRANSFORMER_KIND, ...c });

/** The tokenizer config of an entry (bounded by the schema; channel groups checked). */
export function tokenizerConfigFrom(arch: Arch): ArTokenizerConfig {
  const c = arTokenizerArchitectureSchema.parse(arch);
  checkTokenizerConfig(c);
  return c;
}

export function transformerConfigFrom(arch: Arch): ArTransformerConfig {
  const { kind: _, ...c } = arTransformerArchitectureSchema.parse(arch);
  return c;
}

/** Every tensor image-tokenizer.safetensors holds ('tok.*'), name → shape. */
export function tokenizerWeightShapes(arch: Arch): Record<string, number[]> {
  return paramShapes(tokenizerModules(tokenizerConfigFrom(arch)).p);
}

/** Every tensor transformer.safetensors holds ('ar.*'); the caption prefix's size comes from the text encoder it reads. */
export function arTransformerWeightShapes(arch: Arch, text: TextEncoderConfig): Record<string, number[]> {
  return transformerWeightShapes({ transformer: transformerConfigFrom(arch), text });
}

/** The attention projections of every block (dotted paths, as in weight names): where LoRA adapters go. */
export function arLoraLayers(c: Pick<ArTransformerConfig, 'layers'>): string[] {
  return Array.from({ length: c.layers }, (_, i) => ['to_q', 'to_k', 'to_v', 'to_out'].map((p) => `ar.blocks.${i}.attn.${p}`)).flat();
}
