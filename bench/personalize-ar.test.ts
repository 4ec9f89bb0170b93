// The AR personalization benchmark: its checks and diversity on hand-made numbers, its README block,
// and the whole run end to end on the tiny AR pack (one concept, a few steps): every row measured,
// the checks computed from the numbers, a plain run writing nothing and --record writing only its
// block.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyArPack } from '../models/train/tiny-ar-pack.ts';
import { AR_METHODS, AR_PROMPTS, type ArBenchIo, type ArMethod, type ArRow, type ArSamplingCost, arChecks, CACHE_SPEEDUP, diversity, runArBench, withArBlock } from './personalize-ar.ts';

const row = (clipI: number): ArRow => ({ clipI, clipT: 0.2, diversity: 0.1, parameters: 0, secondsNode: 1, secondsWeb: null });
// Rows as the field reports them (CoAR's table: two-stage ≥ LoRA ≥ embedding, all above the floor).
const field = (): Record<ArMethod, ArRow> => ({ floor: row(0.3), embedding: row(0.5), lora: row(0.6), 'two-stage': row(0.65), prefix: row(0.62) });
const cost = (speedup: number): ArSamplingCost => ({ batch: 8, msPerImageCache: 100, msPerImageNoCache: 100 * speedup, speedup, agreement: 1 });

describe('arChecks', () => {
  it('holds every expected ordering on rows that follow the field', () => {
    const checks = arChecks(field(), cost(5));
    expect(Object.keys(checks).length).toBe(7);
    expect(Object.entries(checks).filter(([, v]) => !v)).toEqual([]);
  });

  it('fails the orderings that the numbers break, and only those', () => {
    const r = field();
    r.prefix.clipI = 0.3; // ties the floor: not above it
    r.embedding.clipI = 0.7; // above LoRA
    const failed = Object.entries(arChecks(r, cost(CACHE_SPEEDUP - 0.5))).filter(([, v]) => !v).map(([k]) => k);
    expect(failed.sort()).toEqual(['cacheSeveralTimesFaster', 'loraAtLeastEmbeddingOnClipI', 'prefixBeatsFloorOnClipI']);
  });
});

describe('diversity', () => {
  it('is 0 for copies, 1 for orthogonal samples, and averages distinct pairs', () => {
    expect(diversity(Float32Array.from([1, 0, 2, 0]), 2)).toBeCloseTo(0, 12);
    expect(diversity(Float32Array.from([1, 0, 0, 1]), 2)).toBeCloseTo(1, 12);
    // Pairs (a, b) = 0, (a, c) = 1, (b, c) = 1 in cosine distance.
    expect(diversity(Float32Array.from([1, 0, 1, 0, 0, 1]), 3)).toBeCloseTo(2 / 3, 12);
    expect(diversity(Float32Array.from([1, 0]), 1)).toBe(0);
  });
});

describe('withArBlock', () => {
  const readme = ['# App', '', '<!-- bench:personalize:start -->', 'd', '<!-- bench:personalize:end -->', '', '### GAN inversion benchmark', '', '<!-- bench:personalize:gan -->', 'g', '<!-- /bench:personalize:gan -->', '', 'Reading it: …', '', '## Credits', ''].join('\n');

  it('adds the block under its heading after the GAN section, then replaces it in place', () => {
    const once = withArBlock(readme, 'table one');
    expect(once.indexOf('### AR personalization benchmark')).toBeGreaterThan(once.indexOf('Reading it'));
    expect(once.indexOf('### AR personalization benchmark')).toBeLessThan(once.indexOf('## Credits'));
    const twice = withArBlock(once, 'table $& two');
    expect(twice).toContain('<!-- bench:personalize:ar -->\ntable $& two\n<!-- /bench:personalize:ar -->');
    expect(twice).not.toContain('table one');
    expect(twice.match(/### AR personalization benchmark/g)).toHaveLength(1);
    expect(twice.replace(/\n### AR personalization benchmark[\s\S]*?\/bench:personalize:ar -->\n\n/, '\n')).toBe(readme);
  });

  it('appends the section when the README has no GAN block', () => {
    expect(withArBlock('# App\n', 't')).toBe('# App\n\n### AR personalization benchmark\n\n`npm run bench:personalize -- --family ar` (last results):\n\n<!-- bench:personalize:ar -->\nt\n<!-- /bench:personalize:ar -->\n');
  });
});

describe('runArBench on the tiny AR pack', () => {
  const root = mkdtempSync(join(tmpdir(), 'bench-ar-'));
  const pack = join(root, 'pack');
  const readme = join(root, 'README.md');
  const repoReadme = join(import.meta.dirname, '..', 'README.md');
  const README = '# App\n\n## Credits\n';
  // A few steps each; the tiny pack's captions hold 6 words, too few for the third prompt.
  const tiny = { embeddingSteps: 4, loraSteps: 4, twoStageSteps: 3, prefixSteps: 4, webConcepts: 1, timing: 2 };
  const run = async (argv: string[], settings = tiny) => {
    let out = '';
    const io: ArBenchIo = { print: (s) => (out += s), log: () => {}, readme, settings, prompts: AR_PROMPTS.slice(0, 2) };
    const result = await runArBench(['--family', 'ar', '--pack', pack, '--concepts', '1', ...argv], io);
    return { result, out };
  };
  const listing = (dir: string) => readdirSync(dir, { recursive: true }).map(String).sort();

  beforeAll(async () => {
    await writeTinyArPack(pack);
    writeFileSync(readme, README);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('measures every method, the ceiling and the sampling cost; checks follow the numbers; a plain run writes nothing', async () => {
    const before = { files: listing(root), repo: readFileSync(repoReadme, 'utf8') };
    const { result, out } = await run(['--json']);
    expect(JSON.parse(out)).toEqual(JSON.parse(JSON.stringify(result)));
    expect(listing(root)).toEqual(before.files);
    expect(readFileSync(readme, 'utf8')).toBe(README);
    expect(readFileSync(repoReadme, 'utf8')).toBe(before.repo);

    const { methods: M, sampling: t, ceiling, settings } = result;
    expect(Object.keys(M)).toEqual([...AR_METHODS]);
    expect(settings).toMatchObject({ pack: 'tiny-ar-pack', concepts: 1, webConcepts: 1, embeddingSteps: 4 });
    // The tiny pack lists no held-out concepts: the run says so.
    expect(settings.note).toMatch(/lists no held-out concepts/);
    for (const m of AR_METHODS) {
      const r = M[m];
      for (const k of ['clipI', 'clipT'] as const) expect(Math.abs(r[k]), `${m} ${k}`).toBeLessThanOrEqual(1);
      expect(r.diversity, m).toBeGreaterThanOrEqual(0);
      expect(r.diversity, m).toBeLessThanOrEqual(2);
    }
    for (const k of ['clipI', 'clipT'] as const) expect(Math.abs(ceiling[k])).toBeLessThanOrEqual(1);
    expect(ceiling.psnr).toBeGreaterThan(0);

    // Trainable numbers: nothing, one word, the LoRA's factors, the word plus the same LoRA, the prefix.
    const { width, layers } = { width: 16, layers: 2 }; // writeTinyArPack's transformer
    const loraNumbers = layers * 4 * 2 * 4 * width; // to_q/k/v/out of each layer, rank 4: A and B
    expect(M.floor.parameters).toBe(0);
    expect(M.lora.parameters).toBe(loraNumbers);
    expect(M['two-stage'].parameters).toBe(M.embedding.parameters + loraNumbers);
    expect(M.prefix.parameters).toBe(layers * 2 * 8 * width);
    expect(M.embedding.parameters).toBeGreaterThan(0);

    // Seconds: tuned methods on both runtimes; the two-stage counts its first stage too.
    expect([M.floor.secondsNode, M.floor.secondsWeb]).toEqual([0, 0]);
    for (const m of AR_METHODS.slice(1)) {
      expect(M[m].secondsNode, m).toBeGreaterThan(0);
      expect(M[m].secondsWeb, m).toBeGreaterThan(0);
    }
    expect(M['two-stage'].secondsNode).toBeGreaterThan(M.embedding.secondsNode);

    expect(t.batch).toBe(2);
    expect(t.msPerImageCache).toBeGreaterThan(0);
    expect(t.speedup).toBeCloseTo(t.msPerImageNoCache / t.msPerImageCache, 9);
    expect(t.agreement).toBe(1); // the cache does not change the draw

    expect(Object.values(result.checks).every((v) => typeof v === 'boolean')).toBe(true);
    expect(result.checks).toEqual(arChecks(M, t));
    expect(result.checks.loraAtLeastEmbeddingOnClipI).toBe(M.lora.clipI >= M.embedding.clipI);
  }, 120_000);

  it('--record prints the table and writes it into the README block; without the web subset its column is empty', async () => {
    const { result, out } = await run(['--record'], { ...tiny, webConcepts: 0 });
    const table = out.trimEnd();
    const rows = table.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| ---'));
    expect(rows).toHaveLength(1 + AR_METHODS.length + 1); // header, methods, ceiling
    for (const r of rows) expect(r.split('|').length - 2).toBe(7);
    expect(rows.at(-1)).toMatch(/^\| ceiling/);
    expect(rows.slice(1).every((r) => r.trimEnd().endsWith('| — |'))).toBe(true);
    expect(result.methods.lora.secondsWeb).toBeNull();
    for (const [k, v] of Object.entries(result.checks)) expect(table).toContain(`${k} ${v ? 'yes' : 'NO'}`);
    expect(readFileSync(readme, 'utf8')).toBe(withArBlock(README, table));
  }, 120_000);

  it('refuses a missing pack, and a pack that lists other held-out concepts', async () => {
    await expect(runArBench(['--pack', join(root, 'none')], { print: () => {}, log: () => {}, readme })).rejects.toThrow(/no AR pack in .*none/);
    const other = join(root, 'other');
    cpSync(pack, other, { recursive: true });
    const m = JSON.parse(readFileSync(join(other, 'manifest.json'), 'utf8'));
    m.dataset.heldOutConcepts = ['1F600'];
    writeFileSync(join(other, 'manifest.json'), JSON.stringify(m));
    await expect(runArBench(['--pack', other], { print: () => {}, log: () => {}, readme })).rejects.toThrow(/lists other held-out concepts/);
  });
});
