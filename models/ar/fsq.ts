// Finite scalar quantization (Mentzer et al. 2023, "Finite Scalar Quantization: VQ-VAE Made
// Simple"): each code channel is squashed into a bounded range and rounded to one of L levels, so
// the codebook is the grid of all level combinations — nothing to learn, nothing to collapse.
// Channel c with L levels takes the integers {−⌊L/2⌋ … ⌈L/2⌉−1} (even L is shifted by ½ so the
// grid stays symmetric around tanh's centre), and the code is that integer / ⌊L/2⌋, in [−1, 1].
// Rounding is straight-through: the forward pass rounds, the backward pass is the identity.
// A token's index is the mixed-radix number of its digits (integer + ⌊L/2⌋), channel 0 least
// significant, as in the reference implementation.
import { f32, type GraphBuilder, type Value } from '../../ml/index.ts';
import { stopGradient } from './stop-gradient.ts';

/** Keeps tanh's output strictly inside the outermost rounding interval (the reference's eps). */
const EPS = 1e-3;

export interface FsqChannel {
  levels: number;
  /** Half the bounded range: tanh(·)·halfL spans the rounding intervals of every level. */
  halfL: number;
  /** ½ for even L: the bounded value is shifted so its rounding grid is {−L/2 … L/2−1}. */
  offset: number;
  /** atanh(offset/halfL): makes an input of 0 land on 0 after the shift. */
  shift: number;
  /** ⌊L/2⌋: integer ↔ normalized code, and integer ↔ digit. */
  halfWidth: number;
  /** Place value of this channel's digit in the index. */
  basis: number;
}

export function fsqChannels(levels: readonly number[]): FsqChannel[] {
  let basis = 1;
  return levels.map((L) => {
    if (!Number.isInteger(L) || L < 2) throw new Error(`FSQ levels must be integers ≥ 2, got [${levels}]`);
    const halfL = ((L - 1) * (1 - EPS)) / 2;
    const offset = L % 2 ? 0 : 0.5;
    const ch = { levels: L, halfL, offset, shift: Math.atanh(offset / halfL), halfWidth: Math.floor(L / 2), basis };
    basis *= L;
    return ch;
  });
}

export const fsqCodebookSize = (levels: readonly number[]) => levels.reduce((a, b) => a * b, 1);

/** Digits of index `index` (channel 0 first), each in [0, L_c). */
export function fsqDigits(levels: readonly number[], index: number): number[] {
  const K = fsqCodebookSize(levels);
  if (!Number.isInteger(index) || index < 0 || index >= K) throw new Error(`FSQ index ${index} is outside the codebook [0, ${K})`);
  return levels.map((L) => {
    const d = index % L;
    index = (index - d) / L;
    return d;
  });
}

/** The normalized code vector of an index (each entry integer/⌊L/2⌋, in [−1, 1]). */
export function fsqCode(levels: readonly number[], index: number): number[] {
  const ch = fsqChannels(levels);
  return fsqDigits(levels, index).map((d, c) => (d - ch[c].halfWidth) / ch[c].halfWidth);
}

/** The index of a normalized code vector; throws when an entry is not on its channel's grid. */
export function fsqIndex(levels: readonly number[], code: readonly number[]): number {
  if (code.length !== levels.length) throw new Error(`FSQ code has ${code.length} channels; levels [${levels}] need ${levels.length}`);
  return fsqChannels(levels).reduce((idx, ch, c) => {
    const d = Math.round(code[c] * ch.halfWidth) + ch.halfWidth;
    if (d < 0 || d >= ch.levels || Math.abs((d - ch.halfWidth) / ch.halfWidth - code[c]) > 1e-6)
      throw new Error(`FSQ code entry ${code[c]} of channel ${c} is not one of its ${ch.levels} levels`);
    return idx + d * ch.basis;
  }, 0);
}

/** Every code as a [K, D] table, row k = fsqCode(levels, k): what the decoder's Gather reads. */
export function fsqCodebook(levels: readonly number[]): Float32Array {
  const K = fsqCodebookSize(levels);
  const D = levels.length;
  const out = new Float32Array(K * D);
  for (let k = 0; k < K; k++) out.set(fsqCode(levels, k), k * D);
  return out;
}

export interface Quantized {
  /** Codes [B, D, h, w] as the decoder reads them; straight-through to the encoder's output. */
  codes: Value;
  /** Token ids [B, h·w] int64 in raster order. */
  indices: Value;
}

/** z [B, D, h, w] (the encoder's raw output, D = levels.length) → codes and indices. */
export function fsqQuantize(z: Value, levels: readonly number[]): Quantized {
  const { b, ch, bounded, rounded } = boundAndRound(z, levels);
  return b.scope('fsq', () => {
    // round(h) + (h − sg(h)): the rounded value forward, the identity backward.
    const st = b.op1('Add', [rounded, b.op1('Sub', [bounded, stopGradient(bounded)])]);
    return { codes: b.op1('Div', [st, perChannel(b, ch, (c) => c.halfWidth)]), indices: indicesOf(rounded, ch) };
  });
}

/** Only the token ids [B, h·w] of z (the encode graph's output). */
export function fsqIndices(z: Value, levels: readonly number[]): Value {
  const { b, ch, rounded } = boundAndRound(z, levels);
  return b.scope('fsq', () => indicesOf(rounded, ch));
}

const perChannel = (b: GraphBuilder, ch: FsqChannel[], f: (c: FsqChannel) => number) => b.constant(f32([1, ch.length, 1, 1], ch.map(f)));

/** tanh(z + shift)·halfL − offset, and its rounding (which carries no gradient). */
function boundAndRound(z: Value, levels: readonly number[]) {
  const b = z.b;
  if (z.rank !== 4 || z.shape[1] !== levels.length) throw new Error(`FSQ: expects [B, ${levels.length}, h, w] for levels [${levels}], got [${z.shape}]`);
  const ch = fsqChannels(levels);
  return b.scope('fsq', () => {
    const shifted = b.op1('Tanh', [b.op1('Add', [z, perChannel(b, ch, (c) => c.shift)])]);
    const bounded = b.op1('Sub', [b.op1('Mul', [shifted, perChannel(b, ch, (c) => c.halfL)]), perChannel(b, ch, (c) => c.offset)]);
    return { b, ch, bounded, rounded: b.op1('Round', [bounded]) };
  });
}

/** Σ_c (integer_c + ⌊L_c/2⌋)·basis_c, as int64 [B, h·w] in raster order. */
function indicesOf(rounded: Value, ch: FsqChannel[]): Value {
  const b = rounded.b;
  const [B, , h, w] = rounded.shape;
  const digits = b.op1('Add', [rounded, perChannel(b, ch, (c) => c.halfWidth)]);
  // Exact in float32: the index is an integer below 2^24 (the codebook is bounded by MAX_CODEBOOK).
  const number = b.op1('ReduceSum', [b.op1('Mul', [digits, perChannel(b, ch, (c) => c.basis)]), b.ints([1])], { keepdims: 0 });
  return b.op1('Reshape', [b.op1('Cast', [number], { to: 7 /* INT64 */ }), b.ints([B, h * w])]);
}
