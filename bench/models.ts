// npm run bench:models [-- --json] [--threads N] [--steps N] [--rounds N] [--pack DIR] [--skip node,web]
//
// The text-to-image pack's inference costs, on onnxruntime-node and on onnxruntime-web's wasm
// backend inside Node, in the same run:
//   - one denoising step at batch 4: the UNet on 8 latents (4 prompts + 4 unconditional, i.e. with
//     classifier-free guidance) and, for reference, on 4 latents without guidance;
//   - one VAE decode of 4 latents; the text encoder on 4 prompts.
// Uses the pack's weights when they exist, otherwise freshly initialized ones (the cost is the same).
// Rounds alternate the backends so outside load lands on both; figures are medians.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { i64, randn, readSafetensors, Rng, type Backend, type Graph, type Session, type Tensor, toOnnxBytes } from '../ml/index.ts';
import { nodeBackend } from '../ml/session/node.ts';
import { configureWasm, webBackend } from '../ml/session/web.ts';
import { configFromArchitectures } from '../models/diffusion/architecture.ts';
import { type DiffusionConfig, diffusionConfigSchema, textEncoderGraph, unetGraph } from '../models/diffusion/graphs.ts';
import { buildVaeDecode, VAE_CONFIG, vaeConfigSchema, type VaeConfig } from '../models/diffusion/vae.ts';
import { toFloat32 } from '../models/pack/half.ts';
import { EMOJI_PACK_DIR, readDiffusionManifest } from '../models/pack/write.ts';
import { DENOISER_DEFAULTS } from '../models/train/denoiser.train.ts';

const { values: opt } = parseArgs({
  options: {
    json: { type: 'boolean' },
    threads: { type: 'string', default: '1' },
    steps: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    pack: { type: 'string', default: EMOJI_PACK_DIR },
    skip: { type: 'string', default: '' },
  },
});
const THREADS = Number(opt.threads);
const STEPS = Number(opt.steps);
const ROUNDS = Number(opt.rounds);
const SKIP = new Set(opt.skip!.split(',').filter(Boolean));
const BATCH = 4;
const log = (s: string) => opt.json || process.stderr.write(`${s}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Config and weights from the pack, or the training defaults with initial weights. */
function loadModels(): { config: DiffusionConfig; vae: VaeConfig; weights: Record<string, Tensor> | null; source: string } {
  const m = existsSync(opt.pack!) ? readDiffusionManifest(opt.pack!) : null;
  const c = m?.components;
  if (m && c?.unet && c.textEncoder && c.vae) {
    const weights: Record<string, Tensor> = {};
    for (const e of [c.unet, c.textEncoder, c.vae])
      for (const [k, t] of Object.entries(readSafetensors(new Uint8Array(readFileSync(join(opt.pack!, e.weights)))).tensors)) weights[k] = toFloat32(t);
    return { config: configFromArchitectures(c.textEncoder.architecture, c.unet.architecture), vae: vaeConfigSchema.parse(c.vae.architecture), weights, source: `pack ${opt.pack}` };
  }
  const D = DENOISER_DEFAULTS;
  const config = diffusionConfigSchema.parse({
    text: { vocabSize: 1800, maxLength: 20, ...D.text },
    unet: { ...D.unet, contextDim: D.text.dim, heads: D.text.heads },
  });
  return { config, vae: VAE_CONFIG, weights: null, source: 'untrained weights (no trained pack yet)' };
}

interface Case {
  name: string;
  graph: Graph;
  feeds: Record<string, Tensor>;
}

function cases(config: DiffusionConfig, vae: VaeConfig, weights: Record<string, Tensor> | null): Case[] {
  const rng = new Rng(1);
  const { maxLength: L, dim: D } = config.text;
  const u = config.unet;
  const pick = (names: string[], init: Record<string, Tensor>) => Object.fromEntries(names.map((n) => [n, weights?.[n] ?? init[n]]));
  const unetCase = (name: string, batch: number): Case => {
    const { graph, p } = unetGraph(config, batch);
    const feeds = { ...pick(p.names(), p.initial()), latents: randn([batch, u.latentChannels, u.latentSize, u.latentSize], rng), timesteps: i64([batch], new Array(batch).fill(500)), context: randn([batch, L, D], rng) };
    return { name, graph, feeds };
  };
  const text = textEncoderGraph(config, BATCH);
  const textNames = text.graph.inputs.filter((n) => n.startsWith('text.'));
  const dec = buildVaeDecode(vae, BATCH);
  const side = vae.resolution / 2 ** (vae.channels.length - 1);
  return [
    unetCase(`denoising step, batch ${BATCH} with CFG (UNet on ${2 * BATCH})`, 2 * BATCH),
    unetCase(`denoising step, batch ${BATCH} without guidance`, BATCH),
    { name: `VAE decode, batch ${BATCH}`, graph: dec.graph, feeds: { ...pick(dec.params.names(), dec.params.initial()), latent: randn([BATCH, vae.latentChannels, side, side], rng) } },
    { name: `text encoder, batch ${BATCH}`, graph: text.graph, feeds: { ...pick(textNames, text.p.initial()), token_embeds: randn([BATCH, L, D], rng, 0.02) } },
  ];
}

async function main() {
  const { config, vae, weights, source } = loadModels();
  const all = cases(config, vae, weights);
  const backends: [string, Backend][] = [];
  if (!SKIP.has('node')) backends.push(['onnxruntime-node', nodeBackend]);
  if (!SKIP.has('web')) {
    configureWasm({ threads: THREADS });
    backends.push(['onnxruntime-web (wasm)', webBackend]);
  }
  log(`models: ${source}; ${THREADS} thread(s); median of ${ROUNDS} rounds × ${STEPS} runs`);
  const sessions = new Map<string, Session>();
  for (const [bn, be] of backends) for (const c of all) sessions.set(`${bn}|${c.name}`, await be.create(toOnnxBytes(c.graph), { threads: THREADS }));
  const times = new Map<string, number[]>();
  for (let r = 0; r < ROUNDS; r++) {
    log(`round ${r + 1}/${ROUNDS}`);
    for (const c of all)
      for (const [bn] of backends) {
        const s = sessions.get(`${bn}|${c.name}`)!;
        if (r === 0) await s.run(c.feeds); // warm-up
        const per: number[] = [];
        for (let i = 0; i < STEPS; i++) {
          const t = performance.now();
          await s.run(c.feeds);
          per.push(performance.now() - t);
        }
        times.set(`${bn}|${c.name}`, [...(times.get(`${bn}|${c.name}`) ?? []), median(per)]);
      }
  }
  for (const s of sessions.values()) await s.release();
  const results = all.map((c) => ({
    case: c.name,
    ms: Object.fromEntries(backends.map(([bn]) => [bn, +median(times.get(`${bn}|${c.name}`)!).toFixed(2)])),
  }));
  const ratio = (r: (typeof results)[number]) => (backends.length === 2 ? r.ms[backends[1][0]] / r.ms[backends[0][0]] : null);
  if (opt.json) {
    process.stdout.write(`${JSON.stringify({ source, threads: THREADS, rounds: ROUNDS, steps: STEPS, results: results.map((r) => ({ ...r, wasmVsNode: ratio(r) })) }, null, 2)}\n`);
    return;
  }
  const header = ['case', ...backends.map(([bn]) => `${bn} ms`), ...(backends.length === 2 ? ['wasm/node'] : [])];
  const rows = [header, ...results.map((r) => [r.case, ...backends.map(([bn]) => r.ms[bn].toFixed(1)), ...(backends.length === 2 ? [`${ratio(r)!.toFixed(2)}x`] : [])])];
  const w = header.map((_, j) => Math.max(...rows.map((row) => row[j].length)));
  process.stdout.write(`${rows.map((row) => row.map((c, j) => (j ? c.padStart(w[j]) : c.padEnd(w[j]))).join('  ')).join('\n')}\n`);
  const step = results[0];
  const perImage = Object.fromEntries(backends.map(([bn]) => [bn, (25 * step.ms[bn] + results[2].ms[bn]) / BATCH]));
  process.stdout.write(`\n25-step guided generation ≈ ${backends.map(([bn]) => `${(perImage[bn] / 1000).toFixed(2)} s/image on ${bn}`).join(', ')} (UNet steps + decode, batch ${BATCH})\n`);
}

await main();
