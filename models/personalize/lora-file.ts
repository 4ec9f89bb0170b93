// LoRA adapters as a file: PEFT-style names ('<layer>.lora_A.weight', '<layer>.lora_B.weight') in
// safetensors, with metadata saying what they were made for (the pack, the exact denoiser weights by
// sha256, rank and alpha). Loading checks both the metadata and every tensor against the denoiser,
// so a LoRA made for another model is refused with a reason instead of producing garbage.
// Applying one folds it into the weights (W' = W + s·(α/r)·B·A), so sampling needs no other graph.
import { readSafetensors, type Tensor, writeSafetensors } from '../../ml/index.ts';
import type { PackModel } from './model.ts';

export const LORA_FORMAT = 'personalize-lora-v1';

export interface LoraMeta {
  format: string;
  pack: string;
  /** sha256 of the denoiser weights file the adapters were trained on. */
  unet: string;
  rank: number;
  alpha: number;
  /** The placeholder the concept was bound to during training ('<s1>'). */
  token?: string;
}

export function loraMetaFor(model: PackModel, rank: number, alpha: number, token?: string): Record<string, string> {
  const m: Record<string, string> = { format: LORA_FORMAT, pack: model.name, unet: model.manifest.components.unet?.sha256 ?? '', rank: String(rank), alpha: String(alpha) };
  if (token) m.token = token;
  return m;
}

export function parseLoraMeta(meta: Record<string, string> | undefined): LoraMeta {
  if (!meta || meta.format !== LORA_FORMAT) throw new Error(`this is not a LoRA file of this app (format "${meta?.format ?? 'none'}", expected ${LORA_FORMAT})`);
  const rank = Number(meta.rank);
  const alpha = Number(meta.alpha);
  if (!(Number.isInteger(rank) && rank > 0) || !(alpha > 0)) throw new Error(`LoRA file has rank "${meta.rank}" and alpha "${meta.alpha}"`);
  return { format: meta.format, pack: meta.pack, unet: meta.unet, rank, alpha, token: meta.token };
}

export const writeLoraFile = (tensors: Record<string, Tensor>, meta: Record<string, string>) => writeSafetensors(tensors, meta);

export function readLoraFile(bytes: Uint8Array): { tensors: Record<string, Tensor>; meta: Record<string, string> } {
  const { tensors, metadata } = readSafetensors(bytes);
  parseLoraMeta(metadata);
  return { tensors, meta: metadata };
}

const A = '.lora_A.weight';
const B = '.lora_B.weight';

/** Throws unless every adapter pairs with a layer of this denoiser, shapes included, and the metadata names this model. */
export function checkLoraFits(model: PackModel, tensors: Record<string, Tensor>, meta: Record<string, string> | undefined): LoraMeta {
  const m = parseLoraMeta(meta);
  const unet = model.weights('unet');
  const sha = model.manifest.components.unet?.sha256;
  if (m.pack !== model.name) throw new Error(`this LoRA was made for the model "${m.pack}", not "${model.name}"`);
  if (m.unet && sha && m.unet !== sha) throw new Error(`this LoRA was made for another version of "${m.pack}"'s denoiser (its weights changed since)`);
  const layers = Object.keys(tensors).filter((k) => k.endsWith(A));
  if (!layers.length) throw new Error('this LoRA file holds no adapters');
  for (const k of Object.keys(tensors)) if (!k.endsWith(A) && !k.endsWith(B)) throw new Error(`LoRA tensor "${k}" is not an adapter weight`);
  for (const ka of layers) {
    const layer = ka.slice(0, -A.length);
    const [a, b, w] = [tensors[ka], tensors[layer + B], unet[`${layer}.weight`]];
    if (!b) throw new Error(`LoRA layer "${layer}" has A but no B`);
    if (!w) throw new Error(`LoRA layer "${layer}" is not a layer of this denoiser: the LoRA was made for another model`);
    const inner = w.data.length / w.shape[0];
    if (a.shape[0] !== m.rank || b.shape[1] !== m.rank || b.shape[0] !== w.shape[0] || a.data.length / a.shape[0] !== inner)
      throw new Error(`LoRA layer "${layer}" has shapes A [${a.shape}] B [${b.shape}] that do not fit the weight [${w.shape}]: the LoRA was made for another model`);
  }
  return m;
}

/** The denoiser's weights with LoRA stacks folded in: W += scale·(α/r)·B·A per adapted layer. */
export function mergeLoras(unet: Record<string, Tensor>, stack: readonly { tensors: Record<string, Tensor>; meta: LoraMeta; scale: number }[]): Record<string, Tensor> {
  const out = { ...unet };
  for (const { tensors, meta, scale } of stack) {
    const s0 = (scale * meta.alpha) / meta.rank;
    for (const ka of Object.keys(tensors).filter((k) => k.endsWith(A))) {
      const layer = ka.slice(0, -A.length);
      const W = out[`${layer}.weight`];
      const a = tensors[ka].data as Float32Array;
      const b = tensors[layer + B].data as Float32Array;
      const outs = W.shape[0];
      const inner = W.data.length / outs;
      const merged = (W.data as Float32Array).slice();
      for (let o = 0; o < outs; o++)
        for (let r = 0; r < meta.rank; r++) {
          const s = s0 * b[o * meta.rank + r];
          if (s === 0) continue;
          for (let i = 0; i < inner; i++) merged[o * inner + i] += s * a[r * inner + i];
        }
      out[`${layer}.weight`] = { dtype: W.dtype, shape: [...W.shape], data: merged };
    }
  }
  return out;
}
