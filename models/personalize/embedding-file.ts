// A learned word (Textual Inversion, a concept encoder) as a file: one [1, D] tensor 'embedding' in
// safetensors, with the pack and placeholder it was made for. A Model Loader lists such files as the
// model's added tokens; checks refuse a file made for another model or a word of another width.
import { readSafetensors, type Tensor, writeSafetensors } from '../../ml/index.ts';
import type { PackModel } from './model.ts';

export const EMBEDDING_FORMAT = 'personalize-embedding-v1';

export const writeEmbeddingFile = (vector: Tensor, pack: string, token: string) => writeSafetensors({ embedding: vector }, { format: EMBEDDING_FORMAT, pack, token });

export function readEmbeddingFile(bytes: Uint8Array): { vector: Tensor; pack: string; token: string } {
  const { tensors, metadata } = readSafetensors(bytes);
  if (metadata.format !== EMBEDDING_FORMAT) throw new Error(`this is not an embedding file of this app (format "${metadata.format ?? 'none'}", expected ${EMBEDDING_FORMAT})`);
  const vector = tensors.embedding;
  if (!vector || vector.shape.length !== 2 || vector.shape[0] !== 1 || vector.dtype !== 'float32') throw new Error('the embedding file holds no float32 [1, D] tensor "embedding"');
  return { vector, pack: metadata.pack ?? '', token: metadata.token ?? 'S*' };
}

/** Throws unless the word fits this model's text encoder and was made for this pack. */
export function checkEmbeddingFits(model: PackModel, e: { vector: Tensor; pack: string }): void {
  if (e.pack !== model.name) throw new Error(`this embedding was made for the model "${e.pack}", not "${model.name}"`);
  const D = model.diffusionConfig.text.dim;
  if (e.vector.shape[1] !== D) throw new Error(`this embedding has ${e.vector.shape[1]} values; this model's words have ${D}`);
}
