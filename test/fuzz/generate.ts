// Input i of a surface in a seeded run: a seed file of the project mutated in a way that suits
// the surface (JSON-aware where the file is JSON, chunk-aware for PNGs, header-aware for
// safetensors, message-aware for ONNX), deterministic in (seed, surface, i).
import { onnx } from '../../ml/onnx/proto.ts';
import { encode } from 'fast-png';
import { crc32, GRAPH_CHUNK, graphTextFromPng } from '../../runtime/index.ts';
import { mutateBytes, mutateJson } from './mutate.ts';
import { FuzzRng, inputSeed } from './rng.ts';
import type { Surface } from './surfaces.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

export function generateInput(surface: Surface, seeds: readonly Uint8Array[], seed: number, i: number): Uint8Array {
  const rng = new FuzzRng(inputSeed(seed, surface, i));
  try {
    return mutated(surface, rng, seeds);
  } catch {
    return mutateBytes(rng, rng.pick(seeds), seeds); // a mutator gave up on a strange input
  }
}

function mutated(surface: Surface, rng: FuzzRng, seeds: readonly Uint8Array[]): Uint8Array {
  const base = rng.pick(seeds);
  switch (surface) {
    case 'graph-json':
    case 'manifest':
    case 'gan-manifest':
    case 'ar-manifest':
    case 'cli':
      return enc.encode(mutateJson(rng, dec.decode(base)));
    case 'png-graph': {
      const text = safe(() => graphTextFromPng(base));
      if (text !== undefined && rng.chance(0.5))
        return encode({ width: 3, height: 2, data: new Uint8Array(24).fill(90), channels: 4, depth: 8, text: { [GRAPH_CHUNK]: latin1(mutateJson(rng, text)) } });
      const b = mutateBytes(rng, base, seeds);
      return rng.chance(0.5) ? fixPngCrcs(b) : b;
    }
    case 'image': {
      const b = mutateBytes(rng, base, seeds);
      return rng.chance(0.5) ? fixPngCrcs(b) : b;
    }
    case 'safetensors':
      return rng.chance(0.5) ? mutateHeader(rng, base) : mutateBytes(rng, base, seeds);
    case 'onnx':
      return rng.chance(0.5) ? mutateMessage(rng, base) : mutateBytes(rng, base, seeds);
  }
}

/** tEXt holds Latin-1 only; anything beyond becomes '?' as a careless writer would make it. */
const latin1 = (s: string) => s.replace(/[^\u0000-\u00ff]/g, '?');

function safe<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

/** Recompute every chunk CRC it can find, so mutations reach past the CRC check. */
function fixPngCrcs(b: Uint8Array): Uint8Array {
  const out = b.slice();
  const dv = new DataView(out.buffer);
  let pos = 8;
  while (pos + 12 <= out.length) {
    const len = dv.getUint32(pos);
    if (pos + 12 + len > out.length) break;
    dv.setUint32(pos + 8 + len, crc32(out, pos + 4, pos + 8 + len));
    pos += 12 + len;
  }
  return out;
}

/** A safetensors file whose JSON header is mutated and re-framed with its new length. */
function mutateHeader(rng: FuzzRng, file: Uint8Array): Uint8Array {
  if (file.length < 8) return mutateBytes(rng, file);
  const n = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
  if (n > file.length - 8) return mutateBytes(rng, file);
  const header = enc.encode(mutateJson(rng, dec.decode(file.subarray(8, 8 + n))));
  const out = new Uint8Array(8 + header.length + file.length - 8 - n);
  new DataView(out.buffer).setBigUint64(0, BigInt(header.length), true);
  out.set(header, 8);
  out.set(file.subarray(8 + n), 8 + header.length);
  return out;
}

/** An ONNX file decoded to plain JSON, mutated there, and encoded again. */
function mutateMessage(rng: FuzzRng, file: Uint8Array): Uint8Array {
  try {
    const obj = onnx.ModelProto.toObject(onnx.ModelProto.decode(file), { longs: Number, bytes: String, enums: Number });
    const mutated = JSON.parse(mutateJson(rng, JSON.stringify(obj))) as Record<string, unknown>;
    return onnx.ModelProto.encode(onnx.ModelProto.fromObject(mutated)).finish();
  } catch {
    return mutateBytes(rng, file);
  }
}
