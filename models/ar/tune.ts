// What the AR family's learned methods share: the concept (its token grids and the prompt templates
// that name it by a placeholder), the batch of a step (a pure function of seed and step: which grid
// and which template each row takes), and the run itself — the next-token loss of the training graph
// minimised by Adam through the shared optimization loop (early stopping, divergence handling), with
// every weight that is not trained written into the graph as a constant.
import { Adam, f32, i64, Rng, type Tensor, Trainer } from '../../ml/index.ts';
import { type LoopResult, optimize } from '../personalize/optimize.ts';
import { type PlaceholderIds, slotOf, writtenOf } from '../personalize/placeholders.ts';
import type { ArGraph } from './graphs.ts';
import type { ArAdapters, ArModel } from './model.ts';

export interface ArTuneCommon {
  steps: number;
  lr: number;
  /** Rows per step. */
  batch: number;
  seed: number;
  /** Prompt templates, each containing `token` (e.g. 'S*', 'S*, noto style'). */
  templates: string[];
  /** The placeholder the concept is bound to ('S*', 'S2*', …). */
  token: string;
  /** Stop when the smoothed loss has not improved for this many steps (0 / absent: never). */
  patience?: number;
  onStep?: (step: number, loss: number) => void;
  /** Every this many steps, the state learned so far as adapters the sampler takes (to show a sample). */
  previewEvery?: number;
  onPreview?: (step: number, adapters: ArAdapters) => Promise<void> | void;
  signal?: AbortSignal;
}

/** What every method returns beside its learned values. */
export interface ArTuneRun {
  losses: number[];
  stopped: LoopResult['stopped'];
  note?: string;
}

export interface Concept {
  /** The concept's grids, [n·N] codes. */
  tokens: Int32Array;
  n: number;
  /** The placeholder's slot ('<s1>'). */
  slot: string;
  /** Each template's ids and placeholder positions. */
  templates: PlaceholderIds[];
}

/** The concept's grids and templates, checked: each template must use the placeholder. */
export function conceptOf(model: ArModel, tokens: Tensor, o: ArTuneCommon): Concept {
  const what = 'personalization';
  const n = model.checkTokens(tokens, what);
  if (!(Number.isInteger(o.steps) && o.steps >= 1)) throw new Error(`${what}: ${o.steps} steps; give a whole number ≥ 1`);
  if (!(Number.isInteger(o.batch) && o.batch >= 1 && o.batch <= 64)) throw new Error(`${what}: a batch of ${o.batch}; give 1 … 64 rows`);
  if (!(o.lr > 0 && Number.isFinite(o.lr))) throw new Error(`${what}: learning rate ${o.lr} is not a number > 0`);
  if (!o.templates.length) throw new Error(`${what}: no prompt templates (give at least one containing ${o.token})`);
  const slot = slotOf(o.token);
  const templates = o.templates.map((t) => {
    const at = model.encodePrompt(t);
    if (!at.positions.get(slot)) throw new Error(`the template "${t}" does not use ${writtenOf(slot)}`);
    return at;
  });
  return { tokens: tokens.data as Int32Array, n, slot, templates };
}

/** The generator of step `step`'s choices (as the diffusion family's batches draw theirs). */
export const stepRng = (seed: number, step: number) => new Rng((seed * 7919 + step * 104729 + 13) >>> 0);

/** A step's rows: which of the concept's grids, under which training prompt. */
export function drawRows(c: Pick<Concept, 'n' | 'templates'>, o: Pick<ArTuneCommon, 'seed' | 'batch'>, step: number): { grids: number[]; tpls: number[] } {
  const rng = stepRng(o.seed, step);
  const grids: number[] = [];
  const tpls: number[] = [];
  for (let k = 0; k < o.batch; k++) {
    grids.push(rng.int(c.n));
    tpls.push(rng.int(c.templates.length));
  }
  return { grids, tpls };
}

/** 'tokens' int64 [B, N] of the given grid rows. */
export function gridRows(grids: Int32Array, rows: readonly number[], N: number): Tensor {
  const out = new BigInt64Array(rows.length * N);
  rows.forEach((r, k) => {
    for (let i = 0; i < N; i++) out[k * N + i] = BigInt(grids[r * N + i]);
  });
  return i64([rows.length, N], out);
}

/** Rows [B, ...shape] gathered from a flat table of `per` values each. */
export function tableRows(table: Float32Array, per: number, rows: readonly number[], shape: readonly number[]): Tensor {
  const out = new Float32Array(rows.length * per);
  rows.forEach((r, k) => out.set(table.subarray(r * per, (r + 1) * per), k * per));
  return f32([rows.length, ...shape], out);
}

/**
 * Minimises the graph's 'loss' over `trainable` (their starting values in `init`); every other
 * weight input of the graph is the model's, frozen.
 */
export async function tune(
  model: ArModel,
  g: ArGraph,
  init: Record<string, Tensor>,
  batch: (step: number) => Record<string, Tensor>,
  o: ArTuneCommon,
  /** The trained values as adapters, for previews. */
  asAdapters: (values: Record<string, Tensor>) => ArAdapters,
): Promise<LoopResult> {
  const params: Record<string, Tensor> = {};
  for (const n of g.weights) {
    const t = init[n] ?? model.weights[n];
    if (!t) throw new Error(`personalization: no value for the weight "${n}"`);
    params[n] = t;
  }
  for (const [n, t] of Object.entries(init)) params[n] = t;
  const trainer = await Trainer.create({ graph: g.graph, loss: 'loss', trainable: Object.keys(init), params, optimizer: new Adam({ lr: o.lr }), backend: model.backend, session: model.sessionOptions });
  try {
    const onPreview = o.onPreview && ((k: number, v: Record<string, Tensor>) => o.onPreview!(k, asAdapters(v)));
    return await optimize({ trainer, steps: o.steps, batch, patience: o.patience, onStep: o.onStep, previewEvery: o.previewEvery, onPreview, signal: o.signal });
  } finally {
    await trainer.release();
  }
}
