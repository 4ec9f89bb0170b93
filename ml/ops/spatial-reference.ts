// Plain-loop reference implementations of Conv, ConvTranspose and AveragePool (1-D or 2-D spatial),
// slow and obvious, for tests to compare runtimes and shape inference against.

export interface Geometry2 {
  strides: number[];
  dilations: number[];
  /** begins then ends, as in ONNX. */
  pads: number[];
  group: number;
}

/** Views 1-D spatial shapes as 2-D with height 1, so one loop nest serves both. */
function as2d(shape: readonly number[]): number[] {
  return shape.length === 3 ? [shape[0], shape[1], 1, shape[2]] : [...shape];
}
function geo2(g: Geometry2, spatial: number): Geometry2 {
  if (spatial === 2) return g;
  return { group: g.group, strides: [1, g.strides[0]], dilations: [1, g.dilations[0]], pads: [0, g.pads[0], 0, g.pads[1]] };
}

/** y[n, m, o] = b[m] + Σ x[n, c, o·s + k·d − pb] · w[m, c', k] over the channels of m's group. */
export function refConv(
  x: Float32Array, xs: readonly number[], w: Float32Array, ws: readonly number[], b: Float32Array | null, outSpatial: readonly number[], g0: Geometry2,
): Float32Array {
  const g = geo2(g0, xs.length - 2);
  const [N, C, H, W] = as2d(xs);
  const [M, Cg, KH, KW] = as2d(ws);
  const [OH, OW] = outSpatial.length === 1 ? [1, outSpatial[0]] : outSpatial;
  const Mg = M / g.group;
  const y = new Float32Array(N * M * OH * OW);
  for (let n = 0; n < N; n++)
    for (let m = 0; m < M; m++) {
      const gi = Math.floor(m / Mg);
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          let s = b ? b[m] : 0;
          for (let cg = 0; cg < Cg; cg++) {
            const c = gi * Cg + cg;
            for (let kh = 0; kh < KH; kh++) {
              const ih = oh * g.strides[0] + kh * g.dilations[0] - g.pads[0];
              if (ih < 0 || ih >= H) continue;
              for (let kw = 0; kw < KW; kw++) {
                const iw = ow * g.strides[1] + kw * g.dilations[1] - g.pads[1];
                if (iw < 0 || iw >= W) continue;
                s += x[((n * C + c) * H + ih) * W + iw] * w[((m * Cg + cg) * KH + kh) * KW + kw];
              }
            }
          }
          y[((n * M + m) * OH + oh) * OW + ow] = s;
        }
    }
  return y;
}

/** The adjoint scatter: y[n, m, i·s + k·d − pb] += x[n, c, i] · w[c, m', k]; w is [C, M/group, k...]. */
export function refConvTranspose(
  x: Float32Array, xs: readonly number[], w: Float32Array, ws: readonly number[], b: Float32Array | null, outSpatial: readonly number[], g0: Geometry2,
): Float32Array {
  const g = geo2(g0, xs.length - 2);
  const [N, C, H, W] = as2d(xs);
  const [, Mg, KH, KW] = as2d(ws);
  const [OH, OW] = outSpatial.length === 1 ? [1, outSpatial[0]] : outSpatial;
  const M = Mg * g.group;
  const Cg = C / g.group;
  const y = new Float32Array(N * M * OH * OW);
  for (let n = 0; n < N; n++) {
    for (let m = 0; m < M; m++) for (let o = 0; o < OH * OW; o++) y[(n * M + m) * OH * OW + o] = b ? b[m] : 0;
    for (let c = 0; c < C; c++) {
      const gi = Math.floor(c / Cg);
      for (let ih = 0; ih < H; ih++)
        for (let iw = 0; iw < W; iw++) {
          const xv = x[((n * C + c) * H + ih) * W + iw];
          for (let mg = 0; mg < Mg; mg++) {
            const m = gi * Mg + mg;
            for (let kh = 0; kh < KH; kh++) {
              const oh = ih * g.strides[0] + kh * g.dilations[0] - g.pads[0];
              if (oh < 0 || oh >= OH) continue;
              for (let kw = 0; kw < KW; kw++) {
                const ow = iw * g.strides[1] + kw * g.dilations[1] - g.pads[1];
                if (ow < 0 || ow >= OW) continue;
                y[((n * M + m) * OH + oh) * OW + ow] += xv * w[((c * Mg + mg) * KH + kh) * KW + kw];
              }
            }
          }
        }
    }
  }
  return y;
}

/** Average over the window taps inside the input (countIncludePad=false) or inside input plus pads. */
export function refAveragePool(
  x: Float32Array, xs: readonly number[], kernel: readonly number[], outSpatial: readonly number[], g0: Omit<Geometry2, 'group'>, countIncludePad: boolean,
): Float32Array {
  const g = geo2({ ...g0, group: 1 }, xs.length - 2);
  const [N, C, H, W] = as2d(xs);
  const [KH, KW] = kernel.length === 1 ? [1, kernel[0]] : kernel;
  const [OH, OW] = outSpatial.length === 1 ? [1, outSpatial[0]] : outSpatial;
  const y = new Float32Array(N * C * OH * OW);
  for (let nc = 0; nc < N * C; nc++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++) {
        let s = 0;
        let count = 0;
        for (let kh = 0; kh < KH; kh++)
          for (let kw = 0; kw < KW; kw++) {
            const ih = oh * g.strides[0] + kh * g.dilations[0] - g.pads[0];
            const iw = ow * g.strides[1] + kw * g.dilations[1] - g.pads[1];
            const inside = ih >= 0 && ih < H && iw >= 0 && iw < W;
            const inPadded = ih < H + g.pads[2] && iw < W + g.pads[3];
            if (inside) s += x[(nc * H + ih) * W + iw];
            if (inside || (countIncludePad && inPadded)) count++;
          }
        y[(nc * OH + oh) * OW + ow] = s / count;
      }
  return y;
}
