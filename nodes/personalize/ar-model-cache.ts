// The per-worker cache of autoregressive packs, and what a model reference adds to one: its LoRA
// and prefix files (checked against the transformer they were made for) and its added words
// (embedding files bound to placeholders). Ports carry references; each worker loads once.
import type { Tensor } from '../../ml/index.ts';
import { type ArAdapters, ArModel, checkArAdapter, loadArPack } from '../../models/ar/index.ts';
import { ClipEmbedder } from '../../models/evaluator/embed.ts';
import { readEmbeddingFile, slotOf, writtenOf } from '../../models/personalize/index.ts';
import type { LoraWeights, ModelRef, Platform } from '../../runtime/index.ts';
import { adapterFile, packFetch } from './model-cache.ts';

export interface LoadedAr {
  model: ArModel;
  /** The pack's image side (the images a node takes and gives). */
  resolution: number;
  /** The pack's evaluator (made on first use), for the Metrics node. */
  embedder(): Promise<ClipEmbedder>;
}

interface Cached extends LoadedAr {
  release(): Promise<void>;
}

const packs = new Map<string, Promise<Cached>>();

/** An autoregressive pack, loaded and checked once per worker. */
export function loadAr(pack: string, platform: Platform, signal: AbortSignal): Promise<LoadedAr> {
  let p = packs.get(pack);
  if (!p) {
    const backend = platform.backend;
    if (!backend) throw new Error('this host has no ONNX runtime to run models with');
    p = (async () => {
      const loaded = await loadArPack(packFetch(pack, platform, signal), { who: 'this node' });
      const model = ArModel.create({ loaded, backend });
      const ev = loaded.evaluator;
      let embedder: Promise<ClipEmbedder> | null = null;
      return {
        model,
        resolution: loaded.manifest.resolution.width,
        embedder: () => {
          if (!ev) return Promise.reject(new Error(`"${pack}" has no evaluator to score images with`));
          embedder ??= ClipEmbedder.create(ev.config, ev.weights, { backend });
          embedder.catch(() => (embedder = null));
          return embedder;
        },
        release: async () => {
          await (await embedder?.catch(() => null))?.release();
          await model.release();
        },
      };
    })();
    packs.set(pack, p);
    // A failed load is not cached: fixing the files and running again must work.
    p.catch(() => packs.delete(pack));
  }
  return p;
}


/** Adds one adapter (a LoRA at a scale, or a prefix) to a stack, checked against the model. */
function stack(model: ArModel, into: ArAdapters, a: { tensors: Record<string, Tensor>; meta?: Record<string, string> }, scale: number): void {
  if (checkArAdapter(model, a.tensors, a.meta).kind === 'lora') {
    if (scale !== 0) (into.loras ??= []).push({ tensors: a.tensors, meta: a.meta, scale });
    return;
  }
  if (into.prefix) throw new Error('two prefix adapters: a transformer takes one prefix at a time (keep one, or tune one prefix on both concepts)');
  into.prefix = a.tensors;
}

/** The reference's adapters (its LoRA and prefix files, then a wired one), each checked. */
export async function adaptersFor(ref: ModelRef, model: ArModel, platform: Platform, signal: AbortSignal, wired?: LoraWeights, wiredScale = 1): Promise<ArAdapters> {
  const out: ArAdapters = {};
  for (const l of ref.loras) {
    try {
      stack(model, out, await adapterFile(l.ref, platform, signal), l.scale);
    } catch (e) {
      throw new Error(`LoRA ${l.ref}: ${(e as Error).message}`);
    }
  }
  if (wired) stack(model, out, wired, wiredScale);
  return out;
}

/** The reference's added words (embedding files), checked against the model: slot → [1, D]. */
export async function addedWords(ref: ModelRef, model: ArModel, platform: Platform, signal: AbortSignal): Promise<Record<string, Tensor>> {
  const out: Record<string, Tensor> = {};
  for (const t of ref.tokens ?? []) {
    try {
      const e = readEmbeddingFile(await platform.readSource(t.ref, signal));
      if (e.pack !== model.name) throw new Error(`this embedding was made for the model "${e.pack}", not "${model.name}"`);
      checkWord(e.vector, model, writtenOf(slotOf(t.token)));
      out[slotOf(t.token)] = e.vector;
    } catch (err) {
      throw new Error(`embedding ${t.ref}: ${(err as Error).message}`);
    }
  }
  return out;
}

/** Throws unless a word embedding is one float32 row as wide as the model's words. */
export function checkWord(vector: Tensor, model: ArModel, what: string): void {
  const s = vector.shape;
  if (vector.dtype !== 'float32' || s.length !== 2 || s[0] !== 1 || s[1] !== model.textDim)
    throw new Error(`the embedding for ${what} is ${vector.dtype} [${s}]; "${model.name}"'s words are float32 [1, ${model.textDim}]`);
}

/** Forget every loaded autoregressive pack (tests; a host freeing memory). */
export async function clearArCache(): Promise<void> {
  const all = [...packs.values()];
  packs.clear();
  for (const p of all) await (await p.catch(() => null))?.release();
}
