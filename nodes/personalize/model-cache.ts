// The per-worker cache of loaded packs and sessions. Ports carry only a model REFERENCE (where the
// pack is, which LoRA files sit on it); every worker resolves it here once, keeps the weights and
// sessions, and reuses them for every later node. Keys: pack source (+ LoRA stack for denoisers).
import { readSafetensors, type Tensor } from '../../ml/index.ts';
import { hashText, type LoraWeights, type ModelRef, type Platform } from '../../runtime/index.ts';
import { type FetchBytes, loadPack, PackError } from '../../models/pack/load.ts';
import { checkEmbeddingFits, checkLoraFits, mergeLoras, PACK_ARCHITECTURES, PackModel, readEmbeddingFile, readLoraFile, slotOf } from '../../models/personalize/index.ts';
import type { TextToImage } from '../../models/diffusion/pipeline.ts';

const packs = new Map<string, Promise<PackModel>>();
const loraFiles = new Map<string, Promise<{ tensors: LoraWeights['tensors']; meta: Record<string, string> }>>();

/** How a pack's files are read: a folder (path or URL) or a map of file name → source (dropped files). */
export function packFetch(pack: string, platform: Platform, signal: AbortSignal): FetchBytes {
  if (pack.startsWith('files:')) {
    let files: unknown;
    try {
      files = JSON.parse(pack.slice(6));
    } catch {
      throw new PackError('the file list of this pack is not valid JSON');
    }
    if (typeof files !== 'object' || files === null || Array.isArray(files)) throw new PackError('the file list of this pack is not an object of file name → source');
    const list = files as Record<string, unknown>;
    return async (name) => {
      // Own properties only: "constructor" is a file name like any other, not Object's.
      const src = Object.hasOwn(list, name) ? list[name] : undefined;
      if (typeof src !== 'string' || !src) throw new Error(`no file named ${name} was given`);
      return platform.readSource(src, signal);
    };
  }
  const base = pack.endsWith('/') ? pack : `${pack}/`;
  return (name) => platform.readSource(`${base}${name}`, signal);
}

const families = new Map<string, Promise<string>>();

/**
 * The family a pack's manifest names ('latent-diffusion', 'stylegan', …), read once per worker:
 * which loader and which run code the pack needs is decided from this before any weight is read.
 */
export function packFamily(pack: string, platform: Platform, signal: AbortSignal): Promise<string> {
  let f = families.get(pack);
  if (!f) {
    f = (async () => {
      const bytes = await packFetch(pack, platform, signal)('manifest.json');
      let family: unknown;
      try {
        family = (JSON.parse(new TextDecoder().decode(bytes)) as { family?: unknown }).family;
      } catch (e) {
        throw new PackError(`manifest.json of ${pack} is not valid JSON: ${(e as Error).message}`);
      }
      if (typeof family !== 'string') throw new PackError(`manifest.json of ${pack} names no family`);
      return family;
    })();
    families.set(pack, f);
    f.catch(() => families.delete(pack));
  }
  return f;
}

/** The loaded pack a reference names, loaded (and checked) once per worker. */
export function loadModel(pack: string, platform: Platform, signal: AbortSignal): Promise<PackModel> {
  if (pack.startsWith('onnx:'))
    throw new PackError(`this is an imported ONNX model (${pack.slice(5)}); this node needs a diffusion model pack from a Model Loader`);
  let p = packs.get(pack);
  if (!p) {
    const backend = platform.backend;
    if (!backend) throw new Error('this host has no ONNX runtime to run models with');
    p = loadPack(packFetch(pack, platform, signal), { architectures: PACK_ARCHITECTURES }).then((loaded) => new PackModel(loaded, backend));
    packs.set(pack, p);
    // A failed load is not cached: fixing the files and running again must work.
    p.catch(() => packs.delete(pack));
  }
  return p;
}

const adapterFiles = new Map<string, Promise<{ tensors: Record<string, Tensor>; meta: Record<string, string> }>>();

/**
 * An adapter file's tensors and metadata (a GAN's or an AR pack's LoRA or prefix), read once per
 * worker; each family checks them against its model. A failed read is not kept.
 */
export function adapterFile(ref: string, platform: Platform, signal: AbortSignal) {
  let f = adapterFiles.get(ref);
  if (!f) {
    f = platform.readSource(ref, signal).then((bytes) => {
      const { tensors, metadata } = readSafetensors(bytes);
      return { tensors, meta: metadata };
    });
    adapterFiles.set(ref, f);
    f.catch(() => adapterFiles.delete(ref));
  }
  return f;
}

async function loraFile(ref: string, platform: Platform, signal: AbortSignal) {
  let f = loraFiles.get(ref);
  if (!f) {
    f = platform.readSource(ref, signal).then((bytes) => readLoraFile(bytes));
    loraFiles.set(ref, f);
    f.catch(() => loraFiles.delete(ref));
  }
  return f.catch((e: Error) => {
    throw new Error(`LoRA ${ref}: ${e.message}`);
  });
}

/**
 * The text-to-image pipeline of a reference: the pack's denoiser with the reference's LoRA files
 * and an optional in-graph LoRA (from a LoRA Trainer) folded in; cached per worker by that stack.
 */
export async function pipelineFor(
  ref: ModelRef,
  platform: Platform,
  signal: AbortSignal,
  extra?: LoraWeights,
  extraScale = 1,
): Promise<{ model: PackModel; pipe: TextToImage; tokens: string[] }> {
  const model = await loadModel(ref.pack, platform, signal);
  const stack = [];
  for (const l of ref.loras) {
    const f = await loraFile(l.ref, platform, signal);
    stack.push({ tensors: f.tensors, meta: checkLoraFits(model, f.tensors, f.meta), scale: l.scale });
  }
  if (extra) stack.push({ tensors: extra.tensors, meta: checkLoraFits(model, extra.tensors, extra.meta), scale: extraScale });
  // A DreamBooth LoRA gives meaning to its placeholder itself: prompts may use it unbound.
  const tokens = stack.flatMap((l) => (l.meta.token ? [l.meta.token] : []));
  if (!stack.length) return { model, pipe: model.pipeline(), tokens };
  const key = `lora:${ref.loras.map((l) => `${l.ref}@${l.scale}`).join('|')}|${extra ? `${loraDigest(extra)}@${extraScale}` : ''}`;
  return { model, pipe: model.pipeline(key, mergeLoras(model.weights('unet'), stack)), tokens };
}

/** A digest of in-graph LoRA weights, so the same weights reuse the same merged pipeline. */
function loraDigest(l: LoraWeights): string {
  const parts: string[] = [];
  for (const k of Object.keys(l.tensors).sort()) {
    const d = l.tensors[k].data as Float32Array;
    let s = 0;
    for (let i = 0; i < d.length; i += 7) s = (s * 31 + Math.round(d[i] * 1e6)) | 0;
    parts.push(`${k}:${d.length}:${s}`);
  }
  return hashText(parts.join(';'));
}

/** The reference's added tokens (embedding files), checked against the model: slot → vector. */
export async function tokensFor(ref: ModelRef, model: PackModel, platform: Platform, signal: AbortSignal): Promise<Record<string, Float32Array>> {
  const out: Record<string, Float32Array> = {};
  for (const t of ref.tokens ?? []) {
    let e;
    try {
      e = readEmbeddingFile(await platform.readSource(t.ref, signal));
      checkEmbeddingFits(model, e);
    } catch (err) {
      throw new Error(`embedding ${t.ref}: ${(err as Error).message}`);
    }
    out[slotOf(t.token)] = e.vector.data as Float32Array;
  }
  return out;
}

/** Forget every loaded pack (tests; a host freeing memory). */
export async function clearModelCache(): Promise<void> {
  const all = [...packs.values()];
  packs.clear();
  families.clear();
  loraFiles.clear();
  adapterFiles.clear();
  for (const p of all) await (await p.catch(() => null))?.release();
}
