// The chunks of a PNG file, walked without decoding a pixel: the graph a PNG carries is found in
// its text chunks, so a picture of any size (a decompression bomb included) is read in time linear
// in its bytes and with no allocation beyond the text. Every chunk's CRC is checked, and every
// problem is said in the words of the format.
const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export class PngError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PngError';
  }
}

export interface PngChunk {
  type: string;
  /** A view into the file's bytes. */
  data: Uint8Array;
}

const u32 = (b: Uint8Array, i: number) => ((b[i] << 24) >>> 0) + ((b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]);

/** Every chunk up to IEND, each CRC checked; throws a PngError naming the first problem. */
export function pngChunks(bytes: Uint8Array): PngChunk[] {
  if (bytes.length < 8 || SIGNATURE.some((v, i) => bytes[i] !== v)) throw new PngError('not a PNG file (its signature is missing)');
  const chunks: PngChunk[] = [];
  let pos = 8;
  for (;;) {
    if (pos + 12 > bytes.length) throw new PngError(`the file ends in the middle of a chunk header at byte ${pos} (cut short?)`);
    const length = u32(bytes, pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    if (!/^[A-Za-z]{4}$/.test(type)) throw new PngError(`chunk at byte ${pos} has an invalid type`);
    if (length > 0x7fffffff || pos + 12 + length > bytes.length)
      throw new PngError(`chunk ${type} at byte ${pos} says it holds ${length} bytes, past the end of the file (cut short?)`);
    const dataStart = pos + 8;
    const dataEnd = dataStart + length;
    if (crc32(bytes, pos + 4, dataEnd) !== u32(bytes, dataEnd)) throw new PngError(`chunk ${type} at byte ${pos} fails its CRC check (the file is damaged)`);
    if (!chunks.length && type !== 'IHDR') throw new PngError('the first chunk is not IHDR');
    chunks.push({ type, data: bytes.subarray(dataStart, dataEnd) });
    pos = dataEnd + 4;
    if (type === 'IEND') return chunks;
  }
}

/** tEXt chunks as keyword → text (Latin-1); the first of a repeated keyword wins. */
export function pngTextChunks(bytes: Uint8Array): Map<string, string> {
  const texts = new Map<string, string>();
  const latin1 = new TextDecoder('latin1');
  for (const c of pngChunks(bytes)) {
    if (c.type !== 'tEXt') continue;
    const nul = c.data.indexOf(0);
    if (nul < 1 || nul > 79) throw new PngError('a tEXt chunk has no valid keyword');
    const keyword = latin1.decode(c.data.subarray(0, nul));
    if (!texts.has(keyword)) texts.set(keyword, latin1.decode(c.data.subarray(nul + 1)));
  }
  return texts;
}
