// The AR family's adapters as files: safetensors whose metadata says what they are and what they
// were made for — {format, family: 'autoregressive', adapter: 'lora' | 'prefix', model (the pack's
// name), transformer (its weights' sha256), rank, alpha, length, token}. checkArAdapter reads the
// metadata first, so a diffusion or GAN LoRA, or an AR adapter of another pack, is refused naming
// what it was made for, then every tensor against this transformer's layers and shapes.
import { readSafetensors, type Tensor, writeSafetensors } from '../../ml/index.ts';
import { LORA_FORMAT, type LoraMeta } from '../personalize/lora-file.ts';
import { AR_LORA_MATCH, type ArModelConfig } from './graphs.ts';
import { checkPrefixTokens } from './prefix.ts';

/** The format tag of an AR adapter file (LoRA or prefix). */
export const AR_ADAPTER_FORMAT = 'personalize-ar-adapter-v1';
export const AR_FAMILY = 'autoregressive';

export type ArAdapterKind = 'lora' | 'prefix';

/** What a model says of itself in an adapter's metadata. */
export interface ArModelIdentity {
  name: string;
  /** sha256 of the transformer's weights file ('' when unknown: the check then rests on the name and shapes). */
  transformer: string;
  config: ArModelConfig;
}

export interface ArAdapterMeta {
  adapter: ArAdapterKind;
  model: string;
  transformer: string;
  rank?: number;
  alpha?: number;
  /** Prefix tokens per layer. */
  length?: number;
  /** The placeholder the concept was bound to during tuning ('<s1>'). */
  token?: string;
}

/** The metadata an adapter file of this model records. */
export function arAdapterMeta(model: ArModelIdentity, m: Omit<ArAdapterMeta, 'model' | 'transformer'>): Record<string, string> {
  const out: Record<string, string> = { format: AR_ADAPTER_FORMAT, family: AR_FAMILY, adapter: m.adapter, model: model.name, transformer: model.transformer };
  for (const k of ['rank', 'alpha', 'length', 'token'] as const) if (m[k] !== undefined) out[k] = String(m[k]);
  return out;
}

/** What the metadata says the file was made for, when it is not an AR adapter. */
function madeFor(meta: Record<string, string> | undefined): string {
  if (!meta || !Object.keys(meta).length) return 'nothing this app records (the file has no metadata)';
  if (meta.family === 'gan') return `the GAN "${meta.generator ?? meta.pack ?? '?'}"`;
  if (meta.format === LORA_FORMAT) return `the diffusion model "${meta.pack ?? '?'}"`;
  if (meta.family) return `a ${meta.family} model`;
  return `something else (format "${meta.format ?? 'none'}")`;
}

const A = '.lora_A.weight';
const B = '.lora_B.weight';

/** Reads and checks the metadata against the model; throws naming what the file was made for. */
export function parseArAdapterMeta(model: ArModelIdentity, meta: Record<string, string> | undefined): ArAdapterMeta {
  if (meta?.format !== AR_ADAPTER_FORMAT || meta.family !== AR_FAMILY) throw new Error(`this adapter was made for ${madeFor(meta)}, not for the AR model "${model.name}"`);
  if (meta.adapter !== 'lora' && meta.adapter !== 'prefix') throw new Error(`this AR adapter is of kind "${meta.adapter}"; an AR adapter is a LoRA or a prefix`);
  if (meta.model !== model.name) throw new Error(`this ${meta.adapter === 'lora' ? 'LoRA' : 'prefix'} was made for the AR model "${meta.model}", not "${model.name}"`);
  if (meta.transformer && model.transformer && meta.transformer !== model.transformer)
    throw new Error(`this ${meta.adapter === 'lora' ? 'LoRA' : 'prefix'} was made for another version of "${meta.model}"'s transformer (its weights changed since)`);
  const num = (k: string) => (meta[k] === undefined ? undefined : Number(meta[k]));
  const out: ArAdapterMeta = { adapter: meta.adapter, model: meta.model, transformer: meta.transformer ?? '', rank: num('rank'), alpha: num('alpha'), length: num('length'), token: meta.token };
  if (out.adapter === 'lora' && !(Number.isInteger(out.rank) && out.rank! > 0 && out.alpha! > 0)) throw new Error(`this LoRA has rank "${meta.rank}" and alpha "${meta.alpha}"`);
  return out;
}

/** Throws unless every tensor is an adapter of one of this transformer's attention projections, shapes included. */
export function checkArLoraTensors(config: ArModelConfig, tensors: Record<string, Tensor>, rank: number): void {
  const W = config.transformer.width;
  const adapted = Object.keys(tensors).filter((k) => k.endsWith(A));
  if (!adapted.length) throw new Error('this LoRA holds no adapters');
  for (const k of Object.keys(tensors)) if (!k.endsWith(A) && !k.endsWith(B)) throw new Error(`LoRA tensor "${k}" is not an adapter weight`);
  for (const ka of adapted) {
    const layer = ka.slice(0, -A.length);
    const i = Number(/^ar\.blocks\.(\d+)\./.exec(layer)?.[1]);
    if (!AR_LORA_MATCH.test(layer) || !(i < config.transformer.layers))
      throw new Error(`LoRA layer "${layer}" is not an attention projection of this transformer (${config.transformer.layers} layers): the LoRA was made for another model`);
    const [a, b] = [tensors[ka], tensors[layer + B]];
    if (!b) throw new Error(`LoRA layer "${layer}" has A but no B`);
    if (a.shape.join() !== [rank, W].join() || b.shape.join() !== [W, rank].join())
      throw new Error(`LoRA layer "${layer}" has A [${a.shape}] and B [${b.shape}], but this transformer needs [${rank}, ${W}] and [${W}, ${rank}]: the LoRA was made for another model`);
  }
}

/** Checks an adapter (LoRA or prefix) against the model: metadata, then tensors. */
export function checkArAdapterFor(model: ArModelIdentity, tensors: Record<string, Tensor>, meta: Record<string, string> | undefined): ArAdapterMeta {
  const m = parseArAdapterMeta(model, meta);
  if (m.adapter === 'lora') checkArLoraTensors(model.config, tensors, m.rank!);
  else {
    const P = checkPrefixTokens(model.config, tensors);
    if (m.length !== undefined && m.length !== P) throw new Error(`this prefix says ${m.length} tokens per layer but holds ${P}`);
  }
  return m;
}

/** lora-file's merge reads rank and alpha from its own metadata shape. */
export function asLoraMeta(m: ArAdapterMeta): LoraMeta {
  return { format: LORA_FORMAT, pack: m.model, unet: '', rank: m.rank!, alpha: m.alpha! };
}

/** Reads and checks an adapter (LoRA or prefix) against a model: clear error for another model or family. */
export function checkArAdapter(model: { identity: ArModelIdentity }, tensors: Record<string, Tensor>, meta: Record<string, string> | undefined): { kind: ArAdapterKind } {
  return { kind: checkArAdapterFor(model.identity, tensors, meta).adapter };
}

/** An adapter as file bytes (safetensors with its metadata). */
export const writeArAdapterFile = (tensors: Record<string, Tensor>, meta: Record<string, string>) => writeSafetensors(tensors, meta);

/** An adapter file's tensors and metadata; a file that is not an AR adapter is refused naming what it was made for. */
export function readArAdapterFile(bytes: Uint8Array): { tensors: Record<string, Tensor>; meta: Record<string, string> } {
  const { tensors, metadata } = readSafetensors(bytes);
  if (metadata.format !== AR_ADAPTER_FORMAT || metadata.family !== AR_FAMILY) throw new Error(`this file is not an AR adapter: it was made for ${madeFor(metadata)}`);
  return { tensors, meta: metadata };
}
