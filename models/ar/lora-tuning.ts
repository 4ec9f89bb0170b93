// LoRA on the AR transformer's attention (to_q, to_k, to_v, to_out of every layer), DreamBooth-style:
// the concept is bound to a placeholder whose row was never trained (a rare identifier), and the
// adapters learn to give it the concept by the next-token loss on the concept's grids. The text
// encoder and every base weight stay frozen.
//
// Keeping the class intact, two ways, both on grids the frozen model samples for the class prompt:
//   preservation  those grids are mixed into the batches as ordinary targets, their loss × weight
//                 (DreamBooth's prior preservation);
//   distillation  the tuned model must match the frozen model's whole next-token distribution along
//                 those grids (cross-entropy to its softmax, × weight): more signal per position
//                 than one sampled token.
// Two-stage (Sun et al. 2025): given `embedding`, the placeholder is bound to that learned word
// during tuning, so the adapters refine a concept the word already carries.
import { f32, i64, type Tensor } from '../../ml/index.ts';
import { arAdapterMeta } from './adapter-file.ts';
import { arLogitsGraph, arTrainingGraph } from './graphs.ts';
import type { ArModel } from './model.ts';
import { type ArTuneCommon, type ArTuneRun, conceptOf, stepRng, tune } from './tune.ts';

export interface ArPriorOptions {
  mode: 'preservation' | 'distillation';
  /** The class prompt (e.g. 'a cat'); the frozen model samples the class grids under it. */
  prompt: string;
  /** Class grids to sample. */
  count: number;
  /** Weight of the class rows' loss. */
  weight: number;
}

export interface ArLoraOptions extends ArTuneCommon {
  rank: number;
  alpha: number;
  /** The two-stage method: the placeholder is bound to this learned word [1, textDim] while tuning. */
  embedding?: Tensor;
  prior?: ArPriorOptions;
}

const MAX_PRIOR_GRIDS = 256;

export async function trainArLora(model: ArModel, tokens: Tensor, o: ArLoraOptions): Promise<{ tensors: Record<string, Tensor>; meta: Record<string, string> } & ArTuneRun> {
  const c = conceptOf(model, tokens, o);
  const W = model.config.transformer.width;
  if (!(Number.isInteger(o.rank) && o.rank >= 1 && o.rank <= W)) throw new Error(`LoRA rank ${o.rank}: give a whole number 1 … ${W} (the attention's width)`);
  if (!(o.alpha > 0 && Number.isFinite(o.alpha))) throw new Error(`LoRA alpha ${o.alpha} is not a number > 0`);
  const p = o.prior;
  if (p) {
    if (!(Number.isInteger(p.count) && p.count >= 1 && p.count <= MAX_PRIOR_GRIDS)) throw new Error(`${p.mode}: ${p.count} class grids; give 1 … ${MAX_PRIOR_GRIDS}`);
    if (!(p.weight >= 0 && Number.isFinite(p.weight))) throw new Error(`${p.mode}: weight ${p.weight} is not a number ≥ 0`);
  }
  const { maxLength: L, dim: D } = model.config.text;
  const N = model.grid.count;
  const V = model.codebookSize;
  const bound = o.embedding ? { [c.slot]: o.embedding } : {};
  const instance = await model.contexts(o.templates, bound, [c.slot]);

  // The class grids (and, for distillation, the frozen model's distribution along them).
  let prior: { grids: Int32Array; context: Float32Array; teacher: Float32Array | null } | null = null;
  if (p) {
    const { tokens: grids } = await model.sample({ prompts: new Array<string>(p.count).fill(p.prompt), seed: o.seed + 1, signal: o.signal });
    const context = await model.contexts([p.prompt]);
    prior = { grids: grids.data as Int32Array, context, teacher: p.mode === 'distillation' ? await teacherProbs(model, grids, context) : null };
  }

  const soft = p?.mode === 'distillation';
  const g = arTrainingGraph(model.config, o.batch, { caption: 'context', lora: { rank: o.rank, alpha: o.alpha }, seed: o.seed, weighted: !!p, softTargets: soft });
  const batch = (step: number) => {
    const rng = stepRng(o.seed, step);
    const ids = new BigInt64Array(o.batch * N);
    const context = new Float32Array(o.batch * L * D);
    const weight = new Float32Array(o.batch);
    const targets = soft ? new Float32Array(o.batch * N * V) : null;
    for (let k = 0; k < o.batch; k++) {
      // Half the rows are class rows (alternating by step when the batch is one row).
      const isClass = prior && (k + step) % 2 === 1;
      const grids = isClass ? prior!.grids : c.tokens;
      const row = rng.int(isClass ? p!.count : c.n);
      const tpl = rng.int(c.templates.length);
      for (let i = 0; i < N; i++) ids[k * N + i] = BigInt(grids[row * N + i]);
      context.set(isClass ? prior!.context : instance.subarray(tpl * L * D, (tpl + 1) * L * D), k * L * D);
      weight[k] = isClass ? p!.weight : 1;
      if (targets) {
        if (isClass) targets.set(prior!.teacher!.subarray(row * N * V, (row + 1) * N * V), k * N * V);
        else for (let i = 0; i < N; i++) targets[(k * N + i) * V + grids[row * N + i]] = 1;
      }
    }
    const feeds: Record<string, Tensor> = { tokens: i64([o.batch, N], ids), context: f32([o.batch, L, D], context), drop_caption: f32([o.batch, 1, 1]) };
    if (p) feeds.weight = f32([o.batch, 1], weight);
    if (targets) feeds.targets = f32([o.batch, N, V], targets);
    return feeds;
  };
  const meta = arAdapterMeta(model.identity, { adapter: 'lora', rank: o.rank, alpha: o.alpha, token: c.slot });
  const r = await tune(model, g, g.p.initial({ tag: 'lora' }), batch, o, (tensors) => ({ loras: [{ tensors, meta, scale: 1 }], embeddings: bound }));
  meta.method = o.embedding ? 'two-stage' : 'lora';
  if (p) meta.prior = `${p.mode} on "${p.prompt}" (${p.count} grids, weight ${p.weight})`;
  return { tensors: r.values, meta, losses: r.losses, stopped: r.stopped, note: r.note };
}

/** The frozen model's next-token distributions [n, N, V] (flat) along grids under one caption context. */
async function teacherProbs(model: ArModel, grids: Tensor, context: Float32Array): Promise<Float32Array> {
  const n = grids.shape[0];
  const { maxLength: L, dim: D } = model.config.text;
  const N = model.grid.count;
  const V = model.codebookSize;
  const g = arLogitsGraph(model.config, n, { caption: 'context' });
  const s = await model.session(`teacher:${n}`, () => g.graph);
  const ctx = new Float32Array(n * L * D);
  for (let k = 0; k < n; k++) ctx.set(context, k * L * D);
  const feeds: Record<string, Tensor> = { context: f32([n, L, D], ctx), drop_caption: f32([n, 1, 1]), tokens: i64([n, N], grids.data as Int32Array) };
  for (const w of g.weights) feeds[w] = model.weights[w];
  const logits = (await s.run(feeds, ['logits'])).logits.data as Float32Array;
  const probs = new Float32Array(logits.length);
  for (let r = 0; r < n * N; r++) {
    const row = logits.subarray(r * V, (r + 1) * V);
    let max = -Infinity;
    for (const v of row) max = Math.max(max, v);
    let sum = 0;
    for (let v = 0; v < V; v++) sum += probs[r * V + v] = Math.exp(row[v] - max);
    for (let v = 0; v < V; v++) probs[r * V + v] /= sum;
  }
  return probs;
}
