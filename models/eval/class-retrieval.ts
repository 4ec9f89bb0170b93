// Class retrieval by nearest centroid: does an image's evaluator embedding lie nearest (cosine) to
// the mean embedding of real images of its own class? The centroids are built from labelled real
// images; a real query that is itself among them is scored against its class's centroid WITHOUT
// it (leave-one-out), so real images are not flattered by seeing themselves.
import { cosine, type Rows } from '../evaluator/metrics.ts';

export interface ClassCentroids {
  /** Per class, the sum of its members' embeddings ([classes, dim] row-major). */
  sums: Float64Array;
  counts: Int32Array;
  dim: number;
}

/** Sums and counts of `embeddings` (one row per image) by class label (0 … classes − 1). */
export function classCentroids(embeddings: Rows, labels: readonly number[], classes: number): ClassCentroids {
  if (labels.length !== embeddings.rows) throw new Error(`classCentroids: ${labels.length} labels for ${embeddings.rows} rows`);
  const { dim, data } = embeddings;
  const sums = new Float64Array(classes * dim);
  const counts = new Int32Array(classes);
  labels.forEach((c, i) => {
    if (!(c >= 0 && c < classes)) throw new Error(`classCentroids: label ${c} of row ${i} is outside 0…${classes - 1}`);
    counts[c]++;
    for (let j = 0; j < dim; j++) sums[c * dim + j] += data[i * dim + j];
  });
  return { sums, counts, dim };
}

/**
 * The fraction of queries whose target class ranks among the k nearest centroids (ties count
 * against the query). With `leaveOut`, query i is a member of its target's centroid and is taken
 * out of it first. A class with no members (after leaving out) is never a candidate, so a query
 * of such a class misses.
 */
export function centroidTopK(queries: Rows, targets: readonly number[], c: ClassCentroids, k: number, leaveOut = false): number {
  if (targets.length !== queries.rows) throw new Error(`centroidTopK: ${targets.length} targets for ${queries.rows} queries`);
  if (queries.dim !== c.dim) throw new Error(`centroidTopK: query dim ${queries.dim} is not the centroids' ${c.dim}`);
  const classes = c.counts.length;
  const d = c.dim;
  const centroid = (cls: number) => c.sums.subarray(cls * d, (cls + 1) * d);
  let hits = 0;
  for (let i = 0; i < queries.rows; i++) {
    const q = Array.prototype.slice.call(queries.data, i * d, (i + 1) * d) as number[];
    const t = targets[i];
    let own: ArrayLike<number> = centroid(t);
    let ownCount = c.counts[t];
    if (leaveOut) {
      own = Float64Array.from(own, (v, j) => v - q[j]);
      ownCount--;
    }
    if (ownCount <= 0) continue;
    const st = cosine(q, own);
    let above = 0;
    for (let cls = 0; cls < classes && above < k; cls++) if (cls !== t && c.counts[cls] > 0 && cosine(q, centroid(cls)) >= st) above++;
    if (above < k) hits++;
  }
  return hits / queries.rows;
}
