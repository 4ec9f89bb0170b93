// Prefix tuning for the AR family (Li & Liang 2021; CoAR's smallest trainable state): the model
// stays frozen and the concept lives in P learned key/value tokens per layer that every position
// attends to before its own. The tokens start as the frozen model's own keys and values of its
// learned empty caption (Li & Liang found real activations a steadier start than noise), so the
// tuned model starts close to the base one. The templates' placeholder keeps its own row: the
// prefix, not a word, carries the concept.
import { f32, type Tensor } from '../../ml/index.ts';
import { arAdapterMeta } from './adapter-file.ts';
import { arPrefillGraph, arTrainingGraph, presentKeyName, presentValueName } from './graphs.ts';
import type { ArModel } from './model.ts';
import { prefixKeyName, prefixValueName } from './prefix.ts';
import { MAX_PREFIX_TOKENS } from './transformer.ts';
import { type ArTuneCommon, type ArTuneRun, conceptOf, drawRows, gridRows, tableRows, tune } from './tune.ts';

export async function trainArPrefix(model: ArModel, tokens: Tensor, o: ArTuneCommon & { length: number }): Promise<{ tensors: Record<string, Tensor>; meta: Record<string, string> } & ArTuneRun> {
  const c = conceptOf(model, tokens, o);
  if (!(Number.isInteger(o.length) && o.length >= 1 && o.length <= MAX_PREFIX_TOKENS)) throw new Error(`prefix tuning: ${o.length} tokens per layer; give 1 … ${MAX_PREFIX_TOKENS}`);
  const { maxLength: L, dim: D } = model.config.text;
  const contexts = await model.contexts(o.templates, {}, [c.slot]);
  const g = arTrainingGraph(model.config, o.batch, { caption: 'context', prefixTokens: o.length });
  const N = model.grid.count;
  const batch = (step: number) => {
    const { grids, tpls } = drawRows(c, o, step);
    return { tokens: gridRows(c.tokens, grids, N), context: tableRows(contexts, L * D, tpls, [L, D]), drop_caption: f32([o.batch, 1, 1]) };
  };
  const r = await tune(model, g, await initialPrefix(model, o.length), batch, o, (prefix) => ({ prefix }));
  return { tensors: r.values, meta: arAdapterMeta(model.identity, { adapter: 'prefix', length: o.length, token: c.slot }), losses: r.losses, stopped: r.stopped, note: r.note };
}

/** P key/value tokens per layer: the frozen model's keys and values at the empty caption's first P positions (cycled past its length). */
export async function initialPrefix(model: ArModel, P: number): Promise<Record<string, Tensor>> {
  const m = model.config;
  const { heads, width, layers, prefixLength: L } = m.transformer;
  const d = width / heads;
  const g = arPrefillGraph(m, 1, 0, { caption: 'context' });
  const s = await model.session('prefix-init', () => g.graph);
  const feeds: Record<string, Tensor> = { context: f32([1, L, m.text.dim]), drop_caption: f32([1, 1, 1], [1]) };
  for (const n of g.weights) feeds[n] = model.weights[n];
  const out = await s.run(feeds);
  const T = out[presentKeyName(0)].shape[2];
  const merge = (t: Tensor) => {
    // [1, H, T, d] → rows j of [P, H·d], as the attention splits its width into heads.
    const src = t.data as Float32Array;
    const dst = new Float32Array(P * width);
    for (let j = 0; j < P; j++) for (let h = 0; h < heads; h++) dst.set(src.subarray((h * T + (j % L)) * d, (h * T + (j % L) + 1) * d), j * width + h * d);
    return f32([P, width], dst);
  };
  const init: Record<string, Tensor> = {};
  for (let i = 0; i < layers; i++) {
    init[prefixKeyName(i)] = merge(out[presentKeyName(i)]);
    init[prefixValueName(i)] = merge(out[presentValueName(i)]);
  }
  return init;
}
