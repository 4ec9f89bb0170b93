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
//
// Captions enter as token embeddings (ids are looked up in the text encoder's table here, an exact
// copy of the graph's Gather), so a placeholder bound to a learned word and a negative prompt take
// the same path as any caption. Learned prefix tokens (prefix tuning) are fed to the prefill and
// full-pass graphs, one session per prefix length, so adapters of one length share sessions.
import { type Backend, f32, freezeWeights, i64, Rng, type Session, SessionCache, type SessionOptions, type Tensor, toOnnxBytes } from '../../ml/index.ts';
import { lookupTokens } from '../diffusion/text-encoder.ts';
import { type ArModelConfig, arLogitsGraph, arPrefillGraph, arStepGraph, keyName, presentKeyName, presentValueName, valueName } from './graphs.ts';
import { checkPrefixTokens, prefixTokenCount } from './prefix.ts';
import { imageTokens } from './transformer-config.ts';

/** Caption rows: the text tokenizer's ids (maxLength each), or token embeddings [count, L, textDim] flat (placeholders already bound). */
export type Captions = readonly (readonly number[])[] | { tokenEmbeds: Float32Array; count: number };

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
  /**
   * The caption of guidance's unconditional half (ids, or token embeddings [L·textDim]); default
   * the learned empty caption. Read only when guidance ≠ 1.
   */
  negative?: readonly number[] | Float32Array;
  /** Learned prefix tokens per layer (prefix tuning's 'ar.blocks.<i>.attn.prefix_key/value'). */
  prefix?: Record<string, Tensor>;
  /** Called after each position t is decided, with the grids so far ([B·N], positions after t still 0 or kept). */
  onToken?: (t: number, tokens: Int32Array) => void;
  signal?: AbortSignal;
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
  private readonly sessions: SessionCache;

  private constructor(
    readonly model: ArModelConfig,
    private readonly weights: Record<string, Tensor>,
    backend: Backend,
    sessionOptions: SessionOptions,
  ) {
    this.sessions = new SessionCache(backend, sessionOptions);
  }

  /** weights: every 'ar.*' and 'text.*' weight. They are written into each graph as constants, so the runtime pre-packs them once. */
  static create(model: ArModelConfig, weights: Record<string, Tensor>, o: { backend: Backend; session?: SessionOptions }): ArSampler {
    const need = arLogitsGraph(model, 1).weights;
    const missing = need.filter((n) => !weights[n]);
    if (missing.length) throw new Error(`AR sampler: the weights lack "${missing[0]}"${missing.length > 1 ? ` and ${missing.length - 1} more` : ''}`);
    return new ArSampler(model, weights, o.backend, o.session ?? {});
  }

  private session(kind: Kind, batch: number, P: number): Promise<Session> {
    const key = `${kind}:${batch}:${P}`;
    return this.sessions.get(key, () => {
      const o = { caption: 'token_embeds' as const, prefixTokens: P };
      const g = kind === 'prefill' ? arPrefillGraph(this.model, batch, 0, o) : kind === 'step' ? arStepGraph(this.model, batch, o) : arLogitsGraph(this.model, batch, o);
      return toOnnxBytes(freezeWeights(g.graph, this.weights));
    });
  }

  /** Token embeddings [rows, L, D] flat of caption ids (checked against the vocabulary). */
  private embedIds(rows: readonly (readonly number[])[], what: (k: number) => string): Float32Array {
    const { maxLength: L, dim: D, vocabSize } = this.model.text;
    rows.forEach((row, k) => {
      if (row.length !== L) throw new Error(`AR sampler: ${what(k)} has ${row.length} ids, the text encoder takes ${L}`);
      for (const id of row) if (!(Number.isInteger(id) && id >= 0 && id < vocabSize)) throw new Error(`AR sampler: ${what(k)} holds id ${id}, outside the vocabulary of ${vocabSize}`);
    });
    return lookupTokens(this.weights['text.token_embedding.weight'].data as Float32Array, D, rows.flat());
  }

  /**
   * Token grids for the captions (rows of the text tokenizer's ids, maxLength long, or their token
   * embeddings): [B·N] codes in raster order.
   */
  async sample(captions: Captions, o: SampleOptions): Promise<SampleResult> {
    const c = this.model.transformer;
    const N = imageTokens(c);
    const V = c.codebookSize;
    const { maxLength: L, dim: D } = this.model.text;
    const row = L * D;
    const embeds = 'tokenEmbeds' in captions ? captions.tokenEmbeds : this.embedIds(captions, (k) => `caption ${k}`);
    const B = 'tokenEmbeds' in captions ? captions.count : captions.length;
    if (!B) throw new Error('AR sampler: no captions to sample for');
    if (embeds.length !== B * row) throw new Error(`AR sampler: ${embeds.length} caption values for ${B} captions of [${L}, ${D}]`);
    const P = o.prefix ? prefixTokenCount(o.prefix) : 0;
    if (o.prefix) checkPrefixTokens(this.model, o.prefix);
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

    // Guidance runs the unconditional rows in the same batch: [cond…, uncond…], each the empty
    // caption (dropped) or the negative prompt.
    const guided = guidance !== 1;
    const rows = guided ? 2 * B : B;
    let negative: Float32Array | null = null;
    if (guided && o.negative) {
      negative = o.negative instanceof Float32Array ? o.negative : this.embedIds([o.negative], () => 'the negative caption');
      if (negative.length !== row) throw new Error(`AR sampler: the negative caption has ${negative.length} values, not [${L}, ${D}]`);
    }
    const all = new Float32Array(rows * row);
    all.set(embeds);
    for (let r = B; r < rows; r++) if (negative) all.set(negative, r * row);
    const caption = { token_embeds: f32([rows, L, D], all), drop_caption: f32([rows, 1, 1], Array.from({ length: rows }, (_, r) => (r < B || negative ? 0 : 1))) };
    const prefix = o.prefix ?? {};
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
      const [prefill, step] = await Promise.all([this.session('prefill', rows, P), this.session('step', rows, P)]);
      let out = await prefill.run({ ...caption, ...prefix });
      runs++;
      for (let t = 0; ; t++) {
        const logits = out.logits.data as Float32Array;
        choose(t, (r) => logits.subarray(r * V, (r + 1) * V));
        o.onToken?.(t, tokens);
        if (t === last) break;
        o.signal?.throwIfAborted();
        const feeds: Record<string, Tensor> = { token: i64([rows, 1], Array.from({ length: rows }, (_, r) => tokens[(r % B) * N + t])), position: i64([1], [t + 1]) };
        for (let i = 0; i < c.layers; i++) [feeds[keyName(i)], feeds[valueName(i)]] = [out[presentKeyName(i)], out[presentValueName(i)]];
        out = await step.run(feeds);
        runs++;
      }
    } else {
      const full = await this.session('full', rows, P);
      for (let t = 0; t <= last; t++) {
        o.signal?.throwIfAborted();
        if (Array.from({ length: B }, (_, k) => kept[k * N + t]).every(Boolean)) {
          for (const rng of rngs) rng.next();
          o.onToken?.(t, tokens);
          continue;
        }
        // Tokens at t and after are still unknown (0 here); position t's logits do not read them.
        const grid = i64([rows, N], Array.from({ length: rows * N }, (_, i) => tokens[(Math.floor(i / N) % B) * N + (i % N)]));
        const logits = (await full.run({ ...caption, ...prefix, tokens: grid }, ['logits'])).logits.data as Float32Array;
        runs++;
        choose(t, (r) => logits.subarray((r * N + t) * V, (r * N + t + 1) * V));
        o.onToken?.(t, tokens);
      }
    }
    return { tokens, runs };
  }

  async release(): Promise<void> {
    await this.sessions.release();
  }
}
