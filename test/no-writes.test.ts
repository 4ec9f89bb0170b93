// Evaluations and benchmarks leave shipped files alone unless asked (--record): a plain run of
// `npm run eval:models` and of `npm run bench:personalize` changes nothing under public/, docs/
// or README.md (timestamps included), nor the manifest of the pack it measured.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parseEvalArgs, runEvals } from '../models/eval/cli.ts';
import { writeTinyPack } from '../models/personalize/tiny-pack.ts';

const ROOT = join(import.meta.dirname, '..');

/** path → size and modification time of every file under the shipped folders and the README. */
function shippedFiles(): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (p: string) => {
    const st = statSync(p);
    if (st.isDirectory()) for (const f of readdirSync(p)) walk(join(p, f));
    else out.set(p, `${st.size}:${st.mtimeMs}`);
  };
  for (const p of ['public', 'docs', 'README.md']) walk(join(ROOT, p));
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'no-writes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('plain runs write nothing', () => {
  it('eval:models records metrics and figures only with --record', () => {
    expect(parseEvalArgs([])).toMatchObject({ opts: { record: false, docsDir: undefined } });
    const asked = parseEvalArgs(['--record']).opts;
    expect(asked.record).toBe(true);
    expect(asked.docsDir).toBe(join(ROOT, 'docs'));
    expect(parseEvalArgs(['--docs', dir]).opts).toMatchObject({ record: false, docsDir: dir });
  });

  it('a plain eval:models run leaves the pack and the shipped files untouched; --record writes the numbers', async () => {
    const pack = join(dir, 'pack');
    await writeTinyPack(pack);
    const manifest = readFileSync(join(pack, 'manifest.json'), 'utf8');
    const before = shippedFiles();
    const { results } = await runEvals(['vae', 't2i', '--pack', pack, '--quick'], () => {});
    expect(results.map((r) => ('skipped' in r ? `skipped ${r.name}` : r.name))).toEqual(['vae', 't2i']);
    expect(readFileSync(join(pack, 'manifest.json'), 'utf8')).toBe(manifest);
    expect(shippedFiles()).toEqual(before);
    // The positive control: asked to record, the same run writes the numbers into the manifest.
    await runEvals(['vae', '--pack', pack, '--quick', '--record', '--docs', join(dir, 'figures')], () => {});
    const recorded = JSON.parse(readFileSync(join(pack, 'manifest.json'), 'utf8')) as { components: { vae: { metrics?: Record<string, number> } } };
    expect(recorded.components.vae.metrics?.psnrHeldOut).toBeTypeOf('number');
    expect(readdirSync(join(dir, 'figures'))).toContain('vae-reconstructions.png');
    expect(shippedFiles()).toEqual(before);
  }, 240_000);

  it('a plain bench:personalize run leaves the README and the shipped files untouched', async () => {
    const before = shippedFiles();
    const tsx = join(ROOT, 'node_modules', '.bin', 'tsx');
    const args = ['bench/personalize.ts', '--random', 'tiny', '--quick', '--part', 'inversion', '--concepts', '1'];
    const { stdout } = await promisify(execFile)(tsx, args, { cwd: ROOT, maxBuffer: 1 << 24 });
    expect(stdout).toMatch(/inversion|PSNR/i);
    expect(shippedFiles()).toEqual(before);
  }, 120_000);
});
