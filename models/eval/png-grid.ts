// A grid of images as one PNG (fast-png), for sample sheets: NCHW float tiles in [−1, 1], row-major
// in the grid, with a white gutter between tiles.
import { encode } from 'fast-png';

export function gridPng(images: Float32Array, n: number, size: number, columns: number, gutter = 2): Uint8Array {
  const rows = Math.ceil(n / columns);
  const W = columns * size + (columns + 1) * gutter;
  const H = rows * size + (rows + 1) * gutter;
  const data = new Uint8Array(W * H * 3).fill(255);
  const plane = size * size;
  for (let k = 0; k < n; k++) {
    const [gx, gy] = [k % columns, Math.floor(k / columns)];
    const [ox, oy] = [gutter + gx * (size + gutter), gutter + gy * (size + gutter)];
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++)
        for (let c = 0; c < 3; c++) {
          const v = images[k * 3 * plane + c * plane + y * size + x];
          data[((oy + y) * W + ox + x) * 3 + c] = Math.round(Math.max(0, Math.min(255, (v + 1) * 127.5)));
        }
  }
  return encode({ width: W, height: H, data, channels: 3, depth: 8 });
}
