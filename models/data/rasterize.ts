// SVG emoji styles become 64×64 PNGs once, in the cache (emoji.ts rasterDir), so that training and
// evaluation read them exactly as they read the emoji-datasource PNGs (pixels.ts decodeEmoji:
// composited on white there). Each SVG is drawn by sharp (librsvg) at 256 px and downsampled with
// Lanczos to 64 px (the dataset's size), as the PNG sets were drawn large and downsampled; transparency is kept.
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import sharp from 'sharp';
import { type EmojiItem, type EmojiStyle, STYLE_SOURCE } from './catalog.ts';
import { importDataModule } from './data-packages.ts';
import { iconSet, imagePath, rasterDir } from './emoji.ts';
import type { IconSet } from './iconify.ts';

const DRAW_SIZE = 256;

// The two @iconify/utils functions used: alias resolution (with its flips and rotations) and the
// <svg> attributes of an icon. Typed here because the package lives in the data folder.
interface IconData {
  body: string;
}
interface IconifyUtils {
  getIconData(set: IconSet, name: string): IconData | null;
  iconToSVG(icon: IconData, custom: { width?: string; height?: string }): { attributes: Record<string, string>; body: string };
}

async function iconifyUtils(): Promise<IconifyUtils> {
  const [get, build] = await Promise.all([
    importDataModule<Pick<IconifyUtils, 'getIconData'>>('@iconify/utils', '/lib/icon-set/get-icon'),
    importDataModule<Pick<IconifyUtils, 'iconToSVG'>>('@iconify/utils', '/lib/svg/build'),
  ]);
  return { getIconData: get.getIconData, iconToSVG: build.iconToSVG };
}

/** A standalone SVG document of one icon of a set, its longer side DRAW_SIZE px. */
export function iconSvg(utils: IconifyUtils, set: IconSet, name: string): string {
  const icon = utils.getIconData(set, name);
  if (!icon) throw new Error(`icon "${name}" is not in the ${set.prefix} icon set`);
  const { attributes, body } = utils.iconToSVG(icon, { height: String(DRAW_SIZE) });
  // Keep the aspect: the longer side gets DRAW_SIZE (iconToSVG sized the height).
  const w = Number(attributes.width);
  const scale = w > DRAW_SIZE ? DRAW_SIZE / w : 1;
  const attrs = { ...attributes, width: String(w * scale), height: String(DRAW_SIZE * scale) };
  const attrText = Object.entries(attrs)
    .map(([k, v]) => `${k}="${v}"`)
    .join(' ');
  return `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" ${attrText}>${body}</svg>`;
}

/** An SVG as a size×size RGBA PNG: drawn at DRAW_SIZE, centred on a transparent square, downsampled. */
export async function rasterizeSvg(svg: string, size: number): Promise<Buffer> {
  return sharp(Buffer.from(svg))
    .resize(size, size, { fit: 'contain', background: { r: 0, g: 0, b: 0, alpha: 0 }, kernel: 'lanczos3' })
    .png()
    .toBuffer();
}

export interface RasterizeOptions {
  /** Side of the PNGs in pixels (the dataset's image size). */
  size: number;
  onProgress?: (style: EmojiStyle, done: number, total: number) => void;
}

/**
 * Writes the PNG of every item of one SVG style not yet in the raster cache. Each file is written
 * under a temporary name and renamed, so a run killed midway leaves no half PNG behind.
 */
export async function rasterizeItems(style: EmojiStyle, items: readonly EmojiItem[], opts: RasterizeOptions): Promise<number> {
  if (STYLE_SOURCE[style].kind !== 'iconify') return 0;
  const missing = items.filter((it) => it.style === style && !existsSync(imagePath(it)));
  if (missing.length === 0) return 0;
  const [set, utils] = [iconSet(style), await iconifyUtils()];
  mkdirSync(rasterDir(style), { recursive: true });
  const CHUNK = 16;
  for (let i = 0; i < missing.length; i += CHUNK) {
    await Promise.all(
      missing.slice(i, i + CHUNK).map(async (it) => {
        const file = imagePath(it);
        let png: Buffer;
        try {
          png = await rasterizeSvg(iconSvg(utils, set, it.file), opts.size);
        } catch (e) {
          throw new Error(`${STYLE_SOURCE[style].pkg}: icon "${it.file}" (${it.id}) could not be rasterized: ${(e as Error).message}`);
        }
        writeFileSync(`${file}.tmp`, png);
        renameSync(`${file}.tmp`, file);
      }),
    );
    opts.onProgress?.(style, Math.min(i + CHUNK, missing.length), missing.length);
  }
  return missing.length;
}
