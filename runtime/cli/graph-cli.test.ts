import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { graphFromPng } from '../../nodes/image/png.ts';
import { graph, writeTestImages } from '../testing/fixtures.ts';
import { parseGraphArgs, parseSet, UsageError } from './args.ts';
import { runGraphCli } from './graph-cli.ts';

let dir: string;
beforeAll(async () => {
  const images = await writeTestImages();
  dir = images.dir;
  const doc = graph(
    [
      ['load', 'image-loader', { sources: ['a.png', 'b.jpg'], width: 24, height: 24 }],
      ['noise', 'seed-noise', { seed: 1, width: 24, height: 24 }],
      ['blend', 'blend'],
      ['preview', 'preview', { cell: 24 }],
      ['save', 'save-image', { prefix: 'mix' }],
    ],
    [['load', 'images', 'blend', 'a'], ['noise', 'image', 'blend', 'b'], ['blend', 'image', 'save', 'images'], ['noise', 'image', 'preview', 'images']],
  );
  await writeFile(join(dir, 'graph.json'), JSON.stringify(doc));
});

const cli = async (...argv: string[]) => {
  let stdout = '';
  let stderr = '';
  const code = await runGraphCli(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), tty: false, cwd: dir });
  return { code, stdout, stderr, lines: stdout.trimEnd().split('\n') };
};

describe('graph CLI arguments', () => {
  it('parses --set values as JSON when they are JSON, else as text', () => {
    expect(parseSet('n.seed=42')).toEqual({ nodeId: 'n', param: 'seed', value: 42 });
    expect(parseSet('p.text=a cat=cute')).toEqual({ nodeId: 'p', param: 'text', value: 'a cat=cute' });
    expect(parseSet('l.sources=["x.png"]')).toEqual({ nodeId: 'l', param: 'sources', value: ['x.png'] });
    expect(() => parseSet('seed=1')).toThrow(UsageError);
  });

  it('needs exactly one graph', () => {
    expect(() => parseGraphArgs([])).toThrow(/which graph/);
    expect(parseGraphArgs(['g.json', '--no-cache'])).toMatchObject({ help: false, args: { graph: 'g.json', cache: null, out: 'out' } });
  });
});

describe('npm run graph', () => {
  it('runs, writes the outputs with the graph embedded, ends with the summary; a second run reuses the file cache', async () => {
    const first = await cli('graph.json', '--out', 'out1', '--workers', '0', '--cache', 'cache', '--set', 'blend.alpha=0.8');
    expect(first.code).toBe(0);
    expect(first.lines.at(-1)).toBe('nodes: 5, ran: 5, cached: 0, failed: 0');
    expect((await readdir(join(dir, 'out1'))).sort()).toEqual(['mix-000.png', 'mix-001.png', 'preview-grid.png']);
    const restored = graphFromPng(await readFile(join(dir, 'out1', 'mix-000.png')));
    expect(restored.ok && restored.doc.nodes.find((n) => n.id === 'blend')?.params).toEqual({ alpha: 0.8 });
    // A new process has an empty memory cache; the persisted noise latent comes from disk.
    const second = await cli('graph.json', '--out', 'out1', '--workers', '0', '--cache', 'cache', '--set', 'blend.alpha=0.8');
    expect(second.lines.at(-1)).toBe('nodes: 5, ran: 4, cached: 1, failed: 0');
  });

  it('--json prints one JSON event per line, on the worker pool too', async () => {
    const r = await cli('graph.json', '--out', 'out2', '--workers', '1', '--no-cache', '--json');
    expect(r.code).toBe(0);
    const events = r.lines.map((l) => JSON.parse(l));
    expect(events[0].type).toBe('run-started');
    expect(events.filter((e) => e.type === 'node-done')).toHaveLength(5);
    expect(events.at(-1)).toMatchObject({ type: 'summary', nodes: 5, ran: 5, cached: 0, failed: 0 });
  });

  it('exits 1 when a requested output was not produced', async () => {
    const r = await cli('graph.json', '--workers', '0', '--no-cache', '--set', 'load.sources=["missing.png"]', '--out', 'out3');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAILED  load \(Image Loader\): cannot read missing.png/);
    expect(r.lines.at(-1)).toBe('nodes: 5, ran: 2, cached: 0, failed: 3');
  });

  it('exits 2 for a graph that fails validation, naming node and field', async () => {
    const bad = await cli('graph.json', '--workers', '0', '--set', 'blend.alpha=3', '--set', 'ghost.x=1');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('node ghost params.x: --set names a node that is not in the graph');
    expect(bad.stderr).toMatch(/node blend params.alpha: .*<=1/);
    await writeFile(join(dir, 'broken.json'), '{"version": 2,');
    expect((await cli('broken.json')).code).toBe(2);
    await writeFile(join(dir, 'huge.json'), `{"version":2,"nodes":[],"edges":[],"pad":"${'x'.repeat(9 * 1024 * 1024)}"}`);
    const huge = await cli('huge.json');
    expect(huge.code).toBe(2);
    expect(huge.stderr).toMatch(/graph file huge.json is 9.0 MiB, more than 8.0 MiB \(limit graphBytes/);
    expect((await cli('graph.json', '--bogus')).code).toBe(2);
  });

  it('keeps every output inside --out whatever the node ids say, and refuses an --out that is a file', async () => {
    const ids = ['../../../escaped', 'a/b', 'nul\u0000id', '..', 'CON'];
    const doc = graph(
      [['noise', 'seed-noise', { width: 8, height: 8 }], ...ids.map((id): [string, string, Record<string, unknown>] => [id, 'preview', { cell: 16 }])],
      ids.map((id): [string, string, string, string] => ['noise', 'image', id, 'images']),
    );
    await writeFile(join(dir, 'ids.json'), JSON.stringify(doc));
    const r = await cli('ids.json', '--out', 'out-ids', '--workers', '0', '--no-cache');
    expect(r.code).toBe(0);
    const written = (await readdir(join(dir, 'out-ids'))).sort();
    expect(written).toHaveLength(ids.length);
    for (const f of written) expect(f).toMatch(/^[^/\0]+\.png$/);
    expect(written).toContain('___.._.._escaped-grid.png');
    await writeFile(join(dir, 'not-a-folder'), 'x');
    const bad = await cli('ids.json', '--out', 'not-a-folder', '--workers', '0', '--no-cache');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--out not-a-folder exists and is not a folder');
  });
});
