// What each surface does with one input, run inside the fuzzing child process: the app's own entry
// point for that kind of file, exactly as a user's file would reach it. A run ends `accepted`, or
// `refused` with the message a user would see; anything thrown past that is the harness's to judge.
import { lstat, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { importOnnx, readSafetensors } from '../../ml/index.ts';
import { loadArPack } from '../../models/ar/pack.ts';
import { loadGanPack } from '../../models/gan/pack.ts';
import { type FetchBytes, loadPack } from '../../models/pack/load.ts';
import { PACK_ARCHITECTURES } from '../../models/personalize/architectures.ts';
import { fit, rgbaToTensor } from '../../nodes/image/ops.ts';
import { decodePng, graphFromPng } from '../../nodes/image/png.ts';
import { registry } from '../../nodes/registry.ts';
import { runGraphCli } from '../../runtime/cli/graph-cli.ts';
import { cacheKeys, defaultOutputs, formatError, indexGraph, parseGraphText, planRun, validateGraph, type ParseResult } from '../../runtime/index.ts';
import { nodePlatform } from '../../runtime/node/platform.ts';

export const SURFACES = ['graph-json', 'png-graph', 'safetensors', 'onnx', 'image', 'manifest', 'gan-manifest', 'ar-manifest', 'cli'] as const;
export type Surface = (typeof SURFACES)[number];

/** File extension of a surface's inputs, for regression files a person can open. */
export const EXTENSION: Record<Surface, string> = {
  'graph-json': 'json',
  'png-graph': 'png',
  safetensors: 'safetensors',
  onnx: 'onnx',
  image: 'img',
  manifest: 'json',
  'gan-manifest': 'json',
  'ar-manifest': 'json',
  cli: 'json',
};

/** Milliseconds one input may take before it counts as a hang. */
export const TIME_LIMIT_MS: Record<Surface, number> = {
  'graph-json': 10_000,
  'png-graph': 10_000,
  safetensors: 10_000,
  onnx: 10_000,
  image: 15_000,
  manifest: 20_000,
  'gan-manifest': 20_000,
  'ar-manifest': 20_000,
  cli: 30_000,
};

export interface Verdict {
  outcome: 'accepted' | 'refused';
  message?: string;
  /** Files the run wrote outside its place (cli only). */
  escaped?: string[];
}

const refused = (message: string): Verdict => ({ outcome: 'refused', message });
const text = (b: Uint8Array) => new TextDecoder().decode(b);

function checkDocument(parsed: ParseResult): Verdict {
  if (!parsed.ok) return refused(formatError(parsed.errors[0]));
  const errors = validateGraph(parsed.doc, registry);
  if (errors.length) return refused(formatError(errors[0]));
  const index = indexGraph(parsed.doc);
  cacheKeys(parsed.doc, index, registry);
  planRun(index, defaultOutputs(parsed.doc, index, registry), () => false);
  return { outcome: 'accepted' };
}

/** Errors a run may throw for bad input; the harness judges their words. */
async function refusing(run: () => Promise<Verdict> | Verdict): Promise<Verdict> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof Error && (e.name === 'TypeError' || e.name === 'RangeError' || e.name === 'ReferenceError')) throw e;
    return refused((e as Error).message);
  }
}

let packFiles: Record<string, Uint8Array> | undefined;
let ganPackFiles: Record<string, Uint8Array> | undefined;
let arPackFiles: Record<string, Uint8Array> | undefined;

/** A pack's files with the fuzzed manifest in place of its own. */
function withManifest(files: Record<string, Uint8Array>, manifest: Uint8Array): FetchBytes {
  const all: Record<string, Uint8Array> = { ...files, 'manifest.json': manifest };
  return async (name) => {
    if (!Object.hasOwn(all, name)) throw new Error(`no file ${name}`);
    return all[name];
  };
}

export interface SurfaceContext {
  packFiles: () => Promise<Record<string, Uint8Array>>;
  ganPackFiles: () => Promise<Record<string, Uint8Array>>;
  arPackFiles: () => Promise<Record<string, Uint8Array>>;
}

export async function runSurface(surface: Surface, input: Uint8Array, ctx: SurfaceContext): Promise<Verdict> {
  switch (surface) {
    case 'graph-json':
      return refusing(() => checkDocument(parseGraphText(text(input))));
    case 'png-graph':
      return refusing(() => {
        const v = checkDocument(graphFromPng(input));
        if (v.outcome === 'refused') return v;
        decodePng(input);
        return v;
      });
    case 'safetensors':
      return refusing(() => {
        readSafetensors(input);
        return { outcome: 'accepted' };
      });
    case 'onnx':
      return refusing(() => {
        importOnnx(input);
        return { outcome: 'accepted' };
      });
    case 'image':
      return refusing(async () => {
        const rgba = await nodePlatform().decodeImage(input, { width: 64, height: 64 });
        fit(rgbaToTensor(rgba), 64, 64, 'cover');
        return { outcome: 'accepted' };
      });
    case 'manifest':
      return refusing(async () => {
        packFiles ??= await ctx.packFiles();
        await loadPack(withManifest(packFiles, input), { architectures: PACK_ARCHITECTURES, verifyHash: false });
        return { outcome: 'accepted' };
      });
    case 'gan-manifest':
      return refusing(async () => {
        ganPackFiles ??= await ctx.ganPackFiles();
        await loadGanPack(withManifest(ganPackFiles, input), { verifyHash: false });
        return { outcome: 'accepted' };
      });
    case 'ar-manifest':
      return refusing(async () => {
        arPackFiles ??= await ctx.arPackFiles();
        await loadArPack(withManifest(arPackFiles, input), { verifyHash: false });
        return { outcome: 'accepted' };
      });
    case 'cli':
      return runCli(input);
  }
}

/**
 * A whole run of `npm run graph` in a fresh sandbox six folders deep, so that a file written
 * "../../../x" from the output folder still lands inside it and is seen: after the run, every file
 * under the sandbox other than the graph and the output folder's contents counts as an escape.
 */
async function runCli(input: Uint8Array): Promise<Verdict> {
  const root = await mkdtemp(join(tmpdir(), 'fuzz-cli-'));
  const box = join(root, 'a', 'b', 'c', 'd', 'e', 'box');
  await mkdir(box, { recursive: true });
  await writeFile(join(box, 'graph.json'), input);
  let out = '';
  try {
    const code = await runGraphCli(['graph.json', '--out', 'out', '--workers', '0', '--no-cache'], {
      stdout: (s) => (out += s),
      stderr: (s) => (out += s),
      tty: false,
      cwd: box,
    });
    const escaped = (await listFiles(root)).filter((f) => f !== join(box, 'graph.json') && !f.startsWith(join(box, 'out') + '/'));
    const message = out
      .split('\n')
      .filter((l) => /FAILED|graph:|error/i.test(l))
      .slice(0, 3)
      .join('\n');
    return { outcome: code === 0 ? 'accepted' : 'refused', message: message || undefined, escaped: escaped.map((f) => relative(root, f)) };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const stack = [dir];
  while (stack.length) {
    const d = stack.pop()!;
    for (const e of await readdir(d)) {
      const p = join(d, e);
      if ((await lstat(p)).isDirectory()) stack.push(p);
      else out.push(p);
    }
  }
  return out;
}
