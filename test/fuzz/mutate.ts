// Mutations of seed inputs: byte-level (flips, interesting integers, cut, duplicated and spliced
// ranges) and JSON-aware (a value somewhere in the document replaced by one a hostile user would
// pick: huge or negative numbers, path tricks, prototype keys, deep nesting, long strings).
import type { FuzzRng } from './rng.ts';

const INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x22, 0x5c, 0x7b, 0x5b];
const INTERESTING_U32 = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffff0, 16000, 100_000_000, 65536];

export function mutateBytes(rng: FuzzRng, input: Uint8Array, others: readonly Uint8Array[] = []): Uint8Array {
  let b: Uint8Array = new Uint8Array(input);
  const rounds = 1 + rng.int(4);
  for (let r = 0; r < rounds; r++) {
    const at = b.length ? rng.int(b.length) : 0;
    switch (rng.int(9)) {
      case 0:
        if (b.length) b[at] ^= 1 << rng.int(8);
        break;
      case 1:
        if (b.length) b[at] = rng.pick(INTERESTING_BYTES);
        break;
      case 2: {
        if (b.length < 4) break;
        const v = rng.pick(INTERESTING_U32);
        const p = Math.min(at, b.length - 4);
        new DataView(b.buffer).setUint32(p, v, rng.chance(0.5));
        break;
      }
      case 3:
        b = b.slice(0, at); // cut short
        break;
      case 4: {
        const len = rng.int(Math.min(64, b.length - at) + 1);
        b = concat(b.subarray(0, at), b.subarray(at + len)); // a hole
        break;
      }
      case 5: {
        const len = rng.int(Math.min(256, b.length - at) + 1);
        b = concat(b.subarray(0, at + len), b.subarray(at, at + len), b.subarray(at + len)); // a repeat
        break;
      }
      case 6: {
        const extra = new Uint8Array(1 + rng.int(16)).map(() => rng.int(256));
        b = concat(b.subarray(0, at), extra, b.subarray(at));
        break;
      }
      case 7: {
        if (!others.length) break;
        const o = rng.pick(others);
        const from = rng.int(o.length + 1);
        b = concat(b.subarray(0, at), o.subarray(from, from + rng.int(512)), b.subarray(at));
        break;
      }
      default:
        if (b.length) for (let i = 0; i < 1 + rng.int(8); i++) b[rng.int(b.length)] = rng.int(256);
    }
  }
  return b;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const nested = (depth: number, leaf: Json = 0): Json => {
  let v: Json = leaf;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
};

/** Values a hostile user would put anywhere in a JSON document. */
function hostileValue(rng: FuzzRng): Json {
  switch (rng.int(24)) {
    case 0: return -1;
    case 1: return 0;
    case 2: return 1e308;
    case 3: return 2 ** 53 + 2;
    case 4: return -(2 ** 31);
    case 5: return 4096;
    case 6: return 65536;
    case 7: return 1.5;
    case 8: return '';
    case 9: return '../../../escaped';
    case 10: return 'a/b\\c';
    case 11: return 'nul\u0000byte';
    case 12: return '__proto__';
    case 13: return 'constructor';
    case 14: return 'x'.repeat(1 + rng.int(200_000));
    case 15: return nested(1 + rng.int(200));
    case 16: return nested(1000); // deeper still is in the crafted cases (JSON.stringify recurses)
    case 17: return {};
    case 18: return [];
    case 19: return null;
    case 20: return true;
    case 21: return '/dev/zero';
    case 22: return Array.from({ length: 64 }, () => 'samples/1f431.png');
    default: return rng.int(2) ? 'toString' : 'CON';
  }
}

const KEYS = ['__proto__', 'constructor', 'toString', 'id', 'type', 'params', 'source', 'target', 'sourceHandle', 'targetHandle', 'version', 'kind', 'layers', 'extra'];

/** Every container in the document with its parent path, found without recursion. */
function containers(root: Json): (Json[] | { [k: string]: Json })[] {
  const out: (Json[] | { [k: string]: Json })[] = [];
  const stack: Json[] = [root];
  while (stack.length && out.length < 5000) {
    const v = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    out.push(v);
    for (const c of Array.isArray(v) ? v : Object.values(v)) if (typeof c === 'object' && c !== null) stack.push(c);
  }
  return out;
}

/** A JSON document with one to three hostile edits; text that is not JSON gets byte mutations. */
export function mutateJson(rng: FuzzRng, text: string): string {
  let doc: Json;
  try {
    doc = JSON.parse(text) as Json;
  } catch {
    return new TextDecoder().decode(mutateBytes(rng, new TextEncoder().encode(text)));
  }
  const edits = 1 + rng.int(3);
  for (let e = 0; e < edits; e++) {
    const all = containers(doc);
    if (!all.length) return JSON.stringify(hostileValue(rng));
    const c = rng.pick(all);
    if (Array.isArray(c)) {
      const op = rng.int(4);
      if (op === 0 && c.length) c[rng.int(c.length)] = hostileValue(rng);
      else if (op === 1 && c.length) c.splice(rng.int(c.length), 1);
      else if (op === 2 && c.length) c.push(structuredCloneSafe(c[rng.int(c.length)]));
      else c.push(hostileValue(rng));
    } else {
      const keys = Object.keys(c);
      const op = rng.int(4);
      if (op === 0 && keys.length) c[rng.pick(keys)] = hostileValue(rng);
      else if (op === 1 && keys.length) delete c[rng.pick(keys)];
      else if (op === 2 && keys.length >= 2) {
        const [a, b] = [rng.pick(keys), rng.pick(keys)];
        [c[a], c[b]] = [c[b], c[a]];
      } else Object.defineProperty(c, rng.pick(KEYS), { value: hostileValue(rng), enumerable: true, writable: true, configurable: true });
    }
  }
  let out: string;
  try {
    out = JSON.stringify(doc);
  } catch {
    out = JSON.stringify(hostileValue(rng)); // edits nested past what JSON.stringify recurses through
  }
  return rng.chance(0.1) ? new TextDecoder().decode(mutateBytes(rng, new TextEncoder().encode(out))) : out;
}

function structuredCloneSafe(v: Json): Json {
  return typeof v === 'object' && v !== null ? (JSON.parse(JSON.stringify(v)) as Json) : v;
}
