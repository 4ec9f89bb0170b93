// Class retrieval by nearest centroid: does an image's evaluator embedding lie nearest (cosine) to
// the mean embedding of real images of its own class? The centroids are built from labelled real
// images; real queries should not be among them, or they would be flattered by seeing themselves.
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
 * against the query). A class with no members is never a candidate, so a query of one misses.
 */
export function centroidTopK(queries: Rows, targets: readonly number[], c: ClassCentroids, k: number): number {
  if (targets.length !== queries.rows) throw new Error(`centroidTopK: ${targets.length} targets for ${queries.rows} queries`);
  if (queries.dim !== c.dim) throw new Error(`centroidTopK: query dim ${queries.dim} is not the centroids' ${c.dim}`);
  const classes = c.counts.length;
  const d = c.dim;
  const centroid = (cls: number) => c.sums.subarray(cls * d, (cls + 1) * d);
  let hits = 0;
  for (let i = 0; i < queries.rows; i++) {
    const q = Array.prototype.slice.call(queries.data, i * d, (i + 1) * d) as number[];
    const t = targets[i];
    if (!(t >= 0 && t < classes)) throw new Error(`centroidTopK: target ${t} of query ${i} is outside 0…${classes - 1}`);
    if (c.counts[t] === 0) continue;
    const st = cosine(q, centroid(t));
    let above = 0;
    for (let cls = 0; cls < classes && above < k; cls++) if (cls !== t && c.counts[cls] > 0 && cosine(q, centroid(cls)) >= st) above++;
    if (above < k) hits++;
  }
  return hits / queries.rows;
}
