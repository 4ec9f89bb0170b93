import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LimitError } from '../../ml/untrusted/limits.ts';
import { nodePlatform } from './platform.ts';
import { readUserFile } from './read-file.ts';

describe('readUserFile', () => {
  it('reads a regular file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'read-file-'));
    await writeFile(join(dir, 'a.bin'), new Uint8Array([1, 2, 3]));
    expect([...(await readUserFile(join(dir, 'a.bin')))]).toEqual([1, 2, 3]);
  });

  it('refuses devices and folders before reading a byte', async () => {
    await expect(readUserFile('/dev/zero')).rejects.toThrow('is not a regular file');
    await expect(readUserFile('/dev/urandom')).rejects.toThrow('is not a regular file');
    await expect(readUserFile(tmpdir())).rejects.toThrow('is a folder');
  });

  it('refuses a file over the limit, naming the limit', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'read-file-'));
    await writeFile(join(dir, 'big.json'), new Uint8Array(9 * 1024 * 1024));
    const e = await readUserFile(join(dir, 'big.json'), { limit: 'graphBytes' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(LimitError);
    expect((e as Error).message).toMatch(/is 9.0 MiB, more than 8.0 MiB \(limit graphBytes = 8,388,608\)/);
  });

  it('bounds what a file that reports no size holds (procfs)', async () => {
    expect((await readUserFile('/proc/self/status')).byteLength).toBeGreaterThan(0);
  });
});

describe('nodePlatform.decodeImage', () => {
  it('refuses an image that declares more pixels than the limit before decoding it', async () => {
    const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" width="16000" height="16000"><rect width="16000" height="16000"/></svg>');
    await expect(nodePlatform().decodeImage(svg)).rejects.toThrow(/limit imagePixels/);
  });

  it('decodes a large image already shrunk to what it must cover', async () => {
    const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" width="2000" height="1000"><rect width="2000" height="1000" fill="red"/></svg>');
    const img = await nodePlatform().decodeImage(svg, { width: 64, height: 64 });
    expect([img.width, img.height]).toEqual([256, 128]);
    expect(img.data.slice(0, 4)).toEqual(new Uint8Array([255, 0, 0, 255]));
  });
});
