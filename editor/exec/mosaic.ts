// Several pictures as one, in a near-square grid on a transparent ground: what a node's thumbnail shows and
// what "export PNG" writes for a batch. Pure.
import type { RgbaImage } from '../../runtime/index.ts';

export function mosaic(images: readonly RgbaImage[], gap = 2): RgbaImage {
  if (images.length === 1) return images[0];
  const cols = Math.ceil(Math.sqrt(images.length));
  const rows = Math.ceil(images.length / cols);
  const cw = Math.max(...images.map((i) => i.width));
  const ch = Math.max(...images.map((i) => i.height));
  const width = cols * cw + (cols - 1) * gap;
  const height = rows * ch + (rows - 1) * gap;
  const data = new Uint8Array(width * height * 4);
  images.forEach((img, k) => {
    const ox = (k % cols) * (cw + gap);
    const oy = Math.floor(k / cols) * (ch + gap);
    for (let y = 0; y < img.height; y++)
      data.set(img.data.subarray(y * img.width * 4, (y + 1) * img.width * 4), ((oy + y) * width + ox) * 4);
  });
  return { width, height, data };
}
