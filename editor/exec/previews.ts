// What a finished node shows: each output turned into something small to draw (pictures, a
// curve, a table, a line of text). Pure, and always a copy: the runtime may lend the original
// buffers to a worker for the next node.
import type { ImageBatch, PortValue, RgbaImage } from '../../runtime/index.ts';

type Tensor = ImageBatch['tensor'];

export type Preview =
  | { kind: 'images'; port: string; images: RgbaImage[]; total: number; caption: string }
  | { kind: 'series'; port: string; values: number[]; stochastic?: boolean }
  | { kind: 'metrics'; port: string; values: Record<string, number> }
  | { kind: 'files'; port: string; files: { name: string; mime: string; bytes: Uint8Array }[] }
  | { kind: 'text'; port: string; text: string }
  /** Token grids (a latent in 'tokens' space): each grid's codes in raster order, side × side. */
  | { kind: 'tokens'; port: string; grids: Int32Array[]; side: number; total: number; caption: string };

/** Pictures shown per output; a batch of 64 still previews quickly. */
export const MAX_PREVIEW_IMAGES = 16;

const shapeText = (t: Tensor) => `[${t.shape.join('×')}]`;

/** One item of an NCHW tensor as RGBA. Images are in [0, 1]; anything else (latents) is
 * stretched to its own range so its structure is visible. */
export function tensorItemToRgba(t: Tensor, item: number, normalize: boolean): RgbaImage {
  const [, c, h, w] = t.shape;
  const plane = h * w;
  const data = t.data as Float32Array;
  const base = item * c * plane;
  let lo = 0;
  let hi = 1;
  if (normalize) {
    lo = Infinity;
    hi = -Infinity;
    for (let i = base; i < base + Math.min(c, 3) * plane; i++) {
      const v = Number(data[i]);
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  const out = new Uint8Array(plane * 4);
  for (let p = 0; p < plane; p++) {
    for (let k = 0; k < 3; k++) {
      const ch = c >= 3 ? k : 0;
      out[p * 4 + k] = Math.max(0, Math.min(255, Math.round((Number(data[base + ch * plane + p]) - lo) * scale)));
    }
    out[p * 4 + 3] = 255;
  }
  return { width: w, height: h, data: out };
}

/** "128 numbers", "2 × 128 numbers": a vector's size said in words. */
const numbers = (t: Tensor) => (t.shape.length <= 1 || t.shape[0] === 1 ? `${t.shape.at(-1) ?? 0} numbers` : `${t.shape[0]} × ${t.shape.slice(1).reduce((a, b) => a * b, 1)} numbers`);
const isEmpty = (t: Tensor) => t.shape.some((d) => d === 0);
const NOT_MADE = 'not made with these settings';

function batchPreview(port: string, t: Tensor, normalize: boolean, caption: string): Preview {
  if (isEmpty(t)) return { kind: 'text', port, text: NOT_MADE };
  if (t.shape.length !== 4) return { kind: 'text', port, text: caption };
  const n = Math.min(t.shape[0], MAX_PREVIEW_IMAGES);
  const images = Array.from({ length: n }, (_, i) => tensorItemToRgba(t, i, normalize));
  return { kind: 'images', port, images, total: t.shape[0], caption };
}

/** The space token grids travel in (an autoregressive pack's). */
export const TOKENS_SPACE = 'tokens';

/** Token grids [n, side, side] as copies of each grid's codes. */
function tokensPreview(port: string, t: Tensor): Preview {
  const [n, side] = t.shape;
  const count = side * side;
  const codes = t.data as ArrayLike<number | bigint>;
  const grids = Array.from({ length: Math.min(n, MAX_PREVIEW_IMAGES) }, (_, k) => Int32Array.from({ length: count }, (_, i) => Number(codes[k * count + i])));
  return { kind: 'tokens', port, grids, side, total: n, caption: `${n} × ${side}×${side} tokens` };
}

const isTokenGrid = (v: PortValue) => v.kind === 'latent' && v.space === TOKENS_SPACE && v.tensor.shape.length === 3 && v.tensor.shape[1] === v.tensor.shape[2] && !isEmpty(v.tensor);

export function previewOf(port: string, v: PortValue): Preview {
  switch (v.kind) {
    case 'image':
      return batchPreview(port, v.tensor, false, `${v.tensor.shape[0]} × ${v.tensor.shape[3]}×${v.tensor.shape[2]}`);
    case 'latent':
      if (isTokenGrid(v)) return tokensPreview(port, v.tensor);
      return batchPreview(port, v.tensor, true, v.tensor.shape.length === 4 ? `latent in ${v.space} ${shapeText(v.tensor)}` : `${v.space}: ${numbers(v.tensor)}`);
    case 'embedding':
      if (isEmpty(v.tensor)) return { kind: 'text', port, text: NOT_MADE };
      return { kind: 'text', port, text: `word embedding${v.token ? ` of ${v.token}` : ''}: ${numbers(v.tensor)}` };
    case 'model':
      return { kind: 'text', port, text: `${v.pack}${v.loras.length ? ` + ${v.loras.length} LoRA` : ''}` };
    case 'lora':
      return { kind: 'text', port, text: `LoRA: ${Object.keys(v.tensors).length} tensors` };
    case 'prompt':
      return { kind: 'text', port, text: `“${v.text}”` };
    case 'scalar':
      return { kind: 'text', port, text: String(+v.value.toPrecision(6)) };
    case 'series':
      return { kind: 'series', port, values: [...v.values], ...(v.stochastic ? { stochastic: true } : {}) };
    case 'metrics':
      return { kind: 'metrics', port, values: { ...v.values } };
    case 'files':
      return { kind: 'files', port, files: v.files.map((f) => ({ name: f.name, mime: f.mime, bytes: f.bytes.slice() })) };
  }
}

export const previewsOf = (outputs: Record<string, PortValue>): Preview[] => Object.entries(outputs).map(([port, v]) => previewOf(port, v));
