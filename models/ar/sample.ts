// Drawing token grids from the AR transformer, one token at a time in raster order. With the
// key/value cache (the default) a prefill runs the caption once and each further token costs one
// step graph over a single position; without it every token re-runs the full pass, which is what
// the cache saves. Both read the same logits, so for the same seed they draw the same grid.
//
// Per token: classifier-free guidance on the logits (conditional and unconditional rows run as one
// batch, the unconditional ones with the caption dropped), then temperature, top-k and top-p, then
// an inverse-CDF draw with a uniform number from the item's own generator. Every position draws its
// number whether or not it is sampled, so item i's grid is a pure function of its seed (and of the
// kept tokens in masked regeneration), whatever the batch or the mask.
//
// Masked regeneration: given a grid and a keep-mask, kept positions are fed as they are (teacher
// forcing) and only the others are sampled, in raster order, each seeing every token before it.
import { type Backend, f32, freezeWeights, i64, Rng, type Session, type SessionOptions, type Tensor, toOnnxBytes } from '../../ml/index.ts';
import { type ArModelConfig, arLogitsGraph, arPrefillGraph, arStepGraph, keyName, presentKeyName, presentValueName, valueName } from './graphs.ts';
import { imageTokens } from './transformer-config.ts';

export interface LogitsFilter {
  /** Divides the logits; 0 picks the most likely token (greedy). */
  temperature: number;
  /** Keep the k most likely tokens (0: all). */
  topK: number;
  /** Keep the fewest most likely tokens whose probability adds up to at least p (1: all). */
  topP: number;
}

export interface SampleOptions extends Partial<LogitsFilter> {
  /** Item i draws from Rng(seed + i), or from Rng(seeds[i]) when given one seed per item. */
  seed: number | readonly number[];
  /** Classifier-free guidance scale on the logits: uncond + s·(cond − uncond). 1 (default): the conditional logits alone. */
  guidance?: number;
  /** Use the key/value cache (default true). */
  cache?: boolean;
  /** Masked regeneration: the grids to start from ([B·N] codes) and which positions to keep (non-zero / true). */
  keep?: { tokens: ArrayLike<number>; mask: ArrayLike<number | boolean> };
}

export interface SampleResult {
  /** [B·N] codes in raster order. */
  tokens: Int32Array;
  /** Graph runs it took (one prefill and one step per token with the cache, one full pass per sampled token without). */
  runs: number;
}

/** The token chosen from one row of logits by the uniform number u ∈ [0, 1). Ties go to the lower index. */
export function pickToken(logits: ArrayLike<number>, f: LogitsFilter, u: number): number {
  const V = logits.length;
  for (let i = 0; i < V; i++) if (Number.isNaN(logits[i])) throw new Error(`AR sampler: logit ${i} is NaN`);
  if (f.temperature <= 0) {
    let best = 0;
    for (let i = 1; i < V; i++) if (logits[i] > logits[best]) best = i;
    return best;
  }
  const n = f.topK > 0 ? Math.min(f.topK, V) : V;
  const order = Array.from({ length: V }, (_, i) => i);
  // Only a filter needs the tokens by rank; an unfiltered draw walks them in index order.
  if (n < V || f.topP < 1) order.sort((a, b) => logits[b] - logits[a] || a - b);
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, logits[order[i]]);
  const w = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += w[i] = Math.exp((logits[order[i]] - max) / f.temperature);
  let keep = n;
  if (f.topP < 1) {
    let cum = 0;
    for (let i = 0; i < n; i++) if ((cum += w[i] / sum) >= f.topP) {
      keep = i + 1;
      break;
    }
  }
  let total = 0;
  for (let i = 0; i < keep; i++) total += w[i];
  let r = u * total;
  for (let i = 0; i < keep; i++) if ((r -= w[i]) < 0) return order[i];
  return order[keep - 1];
}

/** Classifier-free guidance on logits: uncond + scale·(cond − uncond). */
export function guideLogits(cond: ArrayLike<number>, uncond: ArrayLike<number>, scale: number): Float32Array {
  const out = new Float32Array(cond.length);
  for (let i = 0; i < out.length; i++) out[i] = uncond[i] + scale * (cond[i] - uncond[i]);
  return out;
}

function checkFilter(f: LogitsFilter, guidance: number): void {
  if (!(f.temperature >= 0 && Number.isFinite(f.temperature))) throw new Error(`AR sampler: temperature ${f.temperature} is not a number ≥ 0`);
  if (!(Number.isInteger(f.topK) && f.topK >= 0)) throw new Error(`AR sampler: top-k ${f.topK} is not a whole number ≥ 0`);
  if (!(f.topP > 0 && f.topP <= 1)) throw new Error(`AR sampler: top-p ${f.topP} is not in (0, 1]`);
  if (!Number.isFinite(guidance)) throw new Error(`AR sampler: guidance scale ${guidance} is not a number`);
}

type Kind = 'prefill' | 'step' | 'full';

export class ArSampler {
  private readonly sessions = new Map<string, Promise<Session>>();

  private constructor(
    readonly model: ArModelConfig,
    private readonly weights: Record<string, Tensor>,
    private readonly backend: Backend,
    private readonly sessionOptions: SessionOptions,
  ) {}

  /** weights: every 'ar.*' and 'text.*' weight. They are written into each graph as constants, so the runtime pre-packs them once. */
  static create(model: ArModelConfig, weights: Record<string, Tensor>, o: { backend: Backend; session?: SessionOptions }): ArSampler {
    const need = arLogitsGraph(model, 1).weights;
    const missing = need.filter((n) => !weights[n]);
    if (missing.length) throw new Error(`AR sampler: the weights lack "${missing[0]}"${missing.length > 1 ? ` and ${missing.length - 1} more` : ''}`);
    return new ArSampler(model, weights, o.backend, o.session ?? {});
  }

  private session(kind: Kind, batch: number): Promise<Session> {
    const key = `${kind}:${batch}`;
    let s = this.sessions.get(key);
    if (!s) {
      const g = kind === 'prefill' ? arPrefillGraph(this.model, batch, 0) : kind === 'step' ? arStepGraph(this.model, batch) : arLogitsGraph(this.model, batch);
      s = this.backend.create(toOnnxBytes(freezeWeights(g.graph, this.weights)), this.sessionOptions);
      this.sessions.set(key, s);
      s.catch(() => this.sessions.delete(key));
    }
    return s;
  }

  /**
   * Token grids for the captions (each a row of the text tokenizer's ids, maxLength long): [B·N]
   * codes in raster order.
   */
  async sample(captionIds: readonly (readonly number[])[], o: SampleOptions): Promise<SampleResult> {
    const c = this.model.transformer;
    const N = imageTokens(c);
    const V = c.codebookSize;
    const L = this.model.text.maxLength;
    const B = captionIds.length;
    if (!B) throw new Error('AR sampler: no captions to sample for');
    captionIds.forEach((row, k) => {
      if (row.length !== L) throw new Error(`AR sampler: caption ${k} has ${row.length} ids, the text encoder takes ${L}`);
      for (const id of row) if (!(Number.isInteger(id) && id >= 0 && id < this.model.text.vocabSize)) throw new Error(`AR sampler: caption ${k} holds id ${id}, outside the vocabulary of ${this.model.text.vocabSize}`);
    });
    const filter: LogitsFilter = { temperature: o.temperature ?? 1, topK: o.topK ?? 0, topP: o.topP ?? 1 };
    const guidance = o.guidance ?? 1;
    checkFilter(filter, guidance);
    const seeds = typeof o.seed === 'number' ? Array.from({ length: B }, (_, k) => (o.seed as number) + k) : o.seed;
    if (seeds.length !== B) throw new Error(`AR sampler: ${seeds.length} seeds for ${B} captions`);
    const rngs = seeds.map((s) => new Rng(s));

    const tokens = new Int32Array(B * N);
    const kept = new Uint8Array(B * N);
    if (o.keep) {
      const { tokens: given, mask } = o.keep;
      if (given.length !== B * N || mask.length !== B * N) throw new Error(`AR sampler: masked regeneration needs ${B}×${N} tokens and mask entries, got ${given.length} and ${mask.length}`);
      for (let i = 0; i < B * N; i++) {
        if (!mask[i]) continue;
        if (!(Number.isInteger(given[i]) && given[i] >= 0 && given[i] < V)) throw new Error(`AR sampler: kept token ${given[i]} at ${i} is outside the codebook of ${V}`);
        kept[i] = 1;
        tokens[i] = given[i];
      }
    }
    // Positions after the last one to sample are all kept: nothing to run for them.
    let last = -1;
    for (let t = 0; t < N; t++) for (let k = 0; k < B; k++) if (!kept[k * N + t]) last = t;
    if (last < 0) return { tokens, runs: 0 };

    // Guidance runs the unconditional rows in the same batch: [cond…, uncond…].
    const guided = guidance !== 1;
    const rows = guided ? 2 * B : B;
    const ids = i64([rows, L], Array.from({ length: rows }, (_, r) => captionIds[r % B]).flat());
    const dropCaption = f32([rows, 1, 1], Array.from({ length: rows }, (_, r) => (r < B ? 0 : 1)));
    const choose = (t: number, logitsOf: (row: number) => Float32Array) => {
      for (let k = 0; k < B; k++) {
        const u = rngs[k].next();
        if (kept[k * N + t]) continue;
        const l = guided ? guideLogits(logitsOf(k), logitsOf(B + k), guidance) : logitsOf(k);
        tokens[k * N + t] = pickToken(l, filter, u);
      }
    };

    let runs = 0;
    if (o.cache ?? true) {
      const [prefill, step] = await Promise.all([this.session('prefill', rows), this.session('step', rows)]);
      let out = await prefill.run({ ids, drop_caption: dropCaption });
      runs++;
      for (let t = 0; ; t++) {
        const logits = out.logits.data as Float32Array;
        choose(t, (r) => logits.subarray(r * V, (r + 1) * V));
        if (t === last) break;
        const feeds: Record<string, Tensor> = { token: i64([rows, 1], Array.from({ length: rows }, (_, r) => tokens[(r % B) * N + t])), position: i64([1], [t + 1]) };
        for (let i = 0; i < c.layers; i++) [feeds[keyName(i)], feeds[valueName(i)]] = [out[presentKeyName(i)], out[presentValueName(i)]];
        out = await step.run(feeds);
        runs++;
      }
    } else {
      const full = await this.session('full', rows);
      for (let t = 0; t <= last; t++) {
        if (Array.from({ length: B }, (_, k) => kept[k * N + t]).every(Boolean)) {
          for (const rng of rngs) rng.next();
          continue;
        }
        // Tokens at t and after are still unknown (0 here); position t's logits do not read them.
        const grid = i64([rows, N], Array.from({ length: rows * N }, (_, i) => tokens[(Math.floor(i / N) % B) * N + (i % N)]));
        const logits = (await full.run({ ids, drop_caption: dropCaption, tokens: grid }, ['logits'])).logits.data as Float32Array;
        runs++;
        choose(t, (r) => logits.subarray((r * N + t) * V, (r * N + t + 1) * V));
      }
    }
    return { tokens, runs };
  }

  async release(): Promise<void> {
    for (const s of this.sessions.values()) await (await s).release().catch(() => {});
    this.sessions.clear();
  }
}
