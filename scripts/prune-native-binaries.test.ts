import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const SCRIPT = join(import.meta.dirname, 'prune-native-binaries.mjs');
const root = mkdtempSync(join(tmpdir(), 'prune-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A fake onnxruntime-node install with every platform's library, under a fresh project folder. */
function layout(name: string): string {
  const dir = join(root, name);
  for (const [p, a] of [['linux', 'x64'], ['linux', 'arm64'], ['darwin', 'arm64'], ['win32', 'x64']]) {
    const d = join(dir, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6', p, a);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'onnxruntime_binding.node'), Buffer.alloc(1024));
  }
  return dir;
}
const run = (dir: string, env: Record<string, string>) =>
  execFileSync(process.execPath, [SCRIPT, dir], { env: { ...process.env, PERSONALIZE_KEEP_ALL_BINARIES: '', ...env }, encoding: 'utf8' });
const has = (dir: string, p: string, a: string) => existsSync(join(dir, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6', p, a, 'onnxruntime_binding.node'));

describe('pruning native binaries after install', () => {
  it("keeps only this machine's onnxruntime-node library", () => {
    const dir = layout('a');
    expect(run(dir, { PRUNE_PLATFORM: 'linux', PRUNE_ARCH: 'x64' })).toMatch(/kept linux\/x64/);
    expect(has(dir, 'linux', 'x64')).toBe(true);
    expect([has(dir, 'linux', 'arm64'), has(dir, 'darwin', 'arm64'), has(dir, 'win32', 'x64')]).toEqual([false, false, false]);
    expect(existsSync(join(dir, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6', 'darwin'))).toBe(false);
  });

  it('keeps everything on a platform it has no library for, when asked, and without the package', () => {
    const dir = layout('b');
    run(dir, { PRUNE_PLATFORM: 'freebsd', PRUNE_ARCH: 'x64' });
    expect(has(dir, 'darwin', 'arm64') && has(dir, 'linux', 'x64')).toBe(true);
    run(dir, { PRUNE_PLATFORM: 'linux', PRUNE_ARCH: 'x64', PERSONALIZE_KEEP_ALL_BINARIES: '1' });
    expect(has(dir, 'win32', 'x64')).toBe(true);
    expect(run(join(root, 'empty'), {})).toBe('');
  });
});
