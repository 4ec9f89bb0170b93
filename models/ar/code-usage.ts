// How much of a codebook a set of token grids uses: the fraction of codes seen at least once and
// the perplexity exp(H) of the empirical code distribution (the number of equally likely codes
// with the same entropy). A collapsed VQ codebook shows as low usage and a perplexity far below
// the codebook size; a healthy tokenizer spreads its tokens over most codes.

export interface CodeUsage {
  codebookSize: number;
  /** Tokens counted. */
  tokens: number;
  /** Distinct codes seen. */
  used: number;
  /** used / codebookSize. */
  usage: number;
  /** exp(−Σ p·ln p) over the seen codes; between 1 and min(used, tokens). */
  perplexity: number;
  /** Occurrences of each code. */
  counts: Uint32Array;
}

/** Usage and perplexity of the codes in `indices` (any layout: every entry is a token). */
export function codeUsage(indices: ArrayLike<number | bigint>, codebookSize: number): CodeUsage {
  if (!Number.isInteger(codebookSize) || codebookSize < 1) throw new Error(`code usage: codebook size ${codebookSize} is not a positive integer`);
  const counts = new Uint32Array(codebookSize);
  for (let i = 0; i < indices.length; i++) {
    const k = Number(indices[i]);
    if (!Number.isInteger(k) || k < 0 || k >= codebookSize) throw new Error(`code usage: token ${i} is ${k}, outside the codebook [0, ${codebookSize})`);
    counts[k]++;
  }
  const tokens = indices.length;
  let used = 0;
  let entropy = 0;
  for (const n of counts) {
    if (!n) continue;
    used++;
    const p = n / tokens;
    entropy -= p * Math.log(p);
  }
  return { codebookSize, tokens, used, usage: used / codebookSize, perplexity: tokens ? Math.exp(entropy) : 0, counts };
}
