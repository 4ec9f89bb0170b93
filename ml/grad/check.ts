// Checks analytic gradients against central finite differences along random directions.
import { withDefaults, type Graph } from '../ir.ts';
import { toOnnxBytes } from '../onnx/serialize.ts';
import { randn, Rng } from '../random.ts';
import type { Backend } from '../session/session.ts';
import type { Tensor } from '../tensor.ts';
import { grad } from './grad.ts';

export interface GradCheckOptions {
  wrt: readonly string[];
  feeds: Record<string, Tensor>;
  backend: Backend;
  /** Output to project (default: the first). */
  output?: string;
  directions?: number;
  eps?: number;
  rtol?: number;
  atol?: number;
  seed?: number;
}

export interface GradCheckResult {
  name: string;
  direction: number;
  analytic: number;
  numeric: number;
  ok: boolean;
}

/**
 * L(x) = Σ out·R for a fixed random R, computed in float64 from the forward outputs.
 * Its gradient comes from the gradient graph seeded with R; both are compared along
 * random directions v: (L(x+εv) − L(x−εv)) / 2ε against ⟨∇L, v⟩.
 */
export async function checkGradients(graph: Graph, opts: GradCheckOptions): Promise<GradCheckResult[]> {
  const { wrt, backend } = opts;
  const feeds = withDefaults(graph, opts.feeds);
  const output = opts.output ?? graph.outputs[0];
  const eps = opts.eps ?? 1e-2;
  const rtol = opts.rtol ?? 2e-2;
  const atol = opts.atol ?? 1e-3;
  const rng = new Rng(opts.seed ?? 1234);
  const outInfo = graph.values.get(output)!;
  const R = randn(outInfo.shape, rng);

  const g = grad(graph, { loss: output, wrt, seed: 'input' });
  const gs = await backend.create(toOnnxBytes(g));
  const fs = await backend.create(toOnnxBytes(graph));
  try {
    const res = await gs.run({ ...feeds, [`${output}_seed`]: R });
    const project = async (f: Record<string, Tensor>) => {
      const y = (await fs.run(f, [output]))[output].data as Float32Array;
      let s = 0;
      for (let i = 0; i < y.length; i++) s += y[i] * (R.data as Float32Array)[i];
      return s;
    };
    const results: GradCheckResult[] = [];
    for (const name of wrt) {
      const x = feeds[name];
      const gx = res[`${name}_grad`].data as Float32Array;
      const n = x.data.length;
      for (let d = 0; d < (opts.directions ?? 3); d++) {
        // The last direction touches a single coordinate, so a wrong entry cannot hide in a sum.
        const v = d === (opts.directions ?? 3) - 1 && n > 1 ? oneHot(n, rng.int(n)) : (randn([n], rng).data as Float32Array);
        const shift = (s: number) => {
          const t = new Float32Array(n);
          for (let i = 0; i < n; i++) t[i] = (x.data as Float32Array)[i] + s * v[i];
          return { ...x, data: t };
        };
        const lp = await project({ ...feeds, [name]: shift(eps) });
        const lm = await project({ ...feeds, [name]: shift(-eps) });
        const numeric = (lp - lm) / (2 * eps);
        let analytic = 0;
        for (let i = 0; i < n; i++) analytic += gx[i] * v[i];
        const ok = Math.abs(numeric - analytic) <= atol + rtol * Math.max(Math.abs(numeric), Math.abs(analytic));
        results.push({ name, direction: d, analytic, numeric, ok });
      }
    }
    return results;
  } finally {
    await gs.release();
    await fs.release();
  }
}

function oneHot(n: number, i: number): Float32Array {
  const v = new Float32Array(n);
  v[i] = 1;
  return v;
}

/** A readable line per failed check, for test messages. */
export function describeFailures(results: GradCheckResult[]): string {
  return results
    .filter((r) => !r.ok)
    .map((r) => `${r.name} dir ${r.direction}: analytic ${r.analytic.toPrecision(6)} vs numeric ${r.numeric.toPrecision(6)}`)
    .join('\n');
}
