import { describe, expect, it } from 'vitest';
import { f32 } from '../../ml/tensor.ts';
import { decodeValue, encodeValue } from './encode.ts';
import { MemoryCache } from './memory.ts';
import type { NodeOutputs } from '../values.ts';

const outputs = (floats: number): NodeOutputs => ({ x: { kind: 'latent', space: 'noise', tensor: f32([floats]) } });

describe('MemoryCache', () => {
  it('stays under its byte budget', () => {
    const c = new MemoryCache(1000);
    for (let i = 0; i < 10; i++) c.set(`k${i}`, outputs(50), 1);
    expect(c.bytes).toBeLessThanOrEqual(1000);
    expect(c.size).toBe(5);
  });

  it('evicts what is cheapest to recompute per byte first', () => {
    const c = new MemoryCache(1000);
    c.set('slow-small', outputs(50), 500); // 200 bytes, 500 ms
    c.set('fast-big', outputs(150), 1); // 600 bytes, 1 ms
    c.set('medium', outputs(50), 10); // 200 bytes
    c.set('new', outputs(50), 5); // over budget: fast-big goes
    expect(c.keys().sort()).toEqual(['medium', 'new', 'slow-small']);
  });

  it('among equal costs evicts the least recently used', () => {
    const c = new MemoryCache(600);
    c.set('a', outputs(50), 1);
    c.set('b', outputs(50), 1);
    c.set('c', outputs(50), 1);
    c.get('a');
    c.set('d', outputs(50), 1);
    expect(c.keys().sort()).toEqual(['a', 'c', 'd']);
  });

  it('does not keep a value larger than the whole budget', () => {
    const c = new MemoryCache(100);
    expect(c.set('huge', outputs(1000), 1)).toBe(false);
    expect(c.size).toBe(0);
  });
});

describe('encodeValue', () => {
  it('round-trips tensors, bytes and plain fields', () => {
    const v = {
      latent: { kind: 'latent', space: 'w+', tensor: f32([2, 3], [1, 2, 3, 4, 5, 6]) },
      files: { kind: 'files', files: [{ name: 'a.png', mime: 'image/png', bytes: new Uint8Array([1, 2, 3]) }] },
    };
    const back = decodeValue<typeof v>(encodeValue(v));
    expect(back.latent.tensor.shape).toEqual([2, 3]);
    expect(Array.from(back.latent.tensor.data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(back.latent.tensor.data).toBeInstanceOf(Float32Array);
    expect(Array.from(back.files.files[0].bytes)).toEqual([1, 2, 3]);
  });

  it('refuses truncated or foreign bytes', () => {
    const bytes = encodeValue({ t: new Float32Array(100) });
    expect(() => decodeValue(bytes.subarray(0, 50))).toThrow(/truncated/);
    expect(() => decodeValue(new Uint8Array(16))).toThrow(/not a cached value/);
  });
});
