// npm run bench:personalize [-- --json] [--quick] [--concepts N] [--backend node|web] [--pack DIR]
//                           [--random tiny|full] [--threads N] [--record] [--part all|inversion|methods]
//                           [--family diffusion|gan|ar] [--evaluator DIR]
//
// --family gan runs the GAN family's inversion benchmark instead (bench/personalize-gan.ts), --family
// ar the autoregressive family's personalization benchmark (bench/personalize-ar.ts); the default,
// diffusion, is the benchmark below.
//
// Personalization on the pack's 30 held-out concepts (no model of the pack saw them; the reference
// is each concept's Twemoji image). Per method — Textual Inversion, LoRA (DreamBooth), the concept
// encoder, the hybrid (encoder start + short Textual Inversion), and the base model prompted with
// the concept's name as the floor — CLIP-I to the reference, CLIP-T to the prompt (in each style and
// in a context) and seconds per concept; then inversion of the held-out images into the autoencoder's
// latent: PSNR and seconds for the encoder, optimization and the hybrid. Prints a table and checks
// the expected orderings; --record keeps the table in README.md (a plain run writes no file). --random tiny runs on a random tiny
// pack (proves the pipeline); --random full on random weights of the built-in architectures (the
// seconds are what the trained pack will cost; the scores mean nothing). --backend web times
// onnxruntime-web (wasm), the browser's runtime, inside Node. --evaluator DIR scores with the
// evaluator (and tokenizer) of the diffusion pack in DIR: one ruler for an old pack and its successor.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { nodeBackend } from '../ml/session/node.ts';
import { configureWasm, webBackend } from '../ml/session/web.ts';
import { loadEmojiDataset, readHoldout } from '../models/data/emoji.ts';
import { loadPixels, pixelBatch } from '../models/data/pixels.ts';
import { mean, psnrPerImage } from '../models/eval/image-metrics.ts';
import { loadJudge } from '../models/eval/judge.ts';
import { loadPack } from '../models/pack/load.ts';
import { COMPONENTS } from '../models/pack/manifest.ts';
import { EMOJI_PACK_DIR, fileFetchBytes, readDiffusionManifest } from '../models/pack/write.ts';
import { PACK_ARCHITECTURES } from '../models/personalize/architectures.ts';
import { invertLatent } from '../models/personalize/latent-inversion.ts';
import { DEFAULT_MIN_SNR_GAMMA } from '../models/personalize/denoising-batch.ts';
import { generateImages, METHOD_LR, type Method, METHODS, personalize } from '../models/personalize/methods.ts';
import { PackModel } from '../models/personalize/model.ts';
import { scoreImages } from '../models/personalize/scores.ts';
import { writeTinyPack } from '../models/personalize/tiny-pack.ts';
import { Tokenizer } from '../models/text/tokenizer.ts';

const { values: opt } = parseArgs({
  options: {
    json: { type: 'boolean' },
    quick: { type: 'boolean' },
    random: { type: 'string' },
    record: { type: 'boolean' },
    concepts: { type: 'string' },
    backend: { type: 'string', default: 'node' },
    pack: { type: 'string', default: EMOJI_PACK_DIR },
    threads: { type: 'string' },
    part: { type: 'string', default: 'all' },
    family: { type: 'string', default: 'diffusion' },
    evaluator: { type: 'string' },
  },
});
const FULL = { tiSteps: 300, loraSteps: 250, hybridSteps: 60, invSteps: 1000, hybridInvSteps: 60, genSteps: 20, perPrompt: 2 };
const QUICK = { tiSteps: 30, loraSteps: 30, hybridSteps: 6, invSteps: 30, hybridInvSteps: 6, genSteps: 8, perPrompt: 1 };
const S = opt.quick || opt.random === 'tiny' ? QUICK : FULL;
const PROMPTS = ['S*, twemoji style', 'S*, noto style', 'S* and red heart, twemoji style'];
const TEMPLATES = ['S*, twemoji style', 'S*'];
const log = (s: string) => opt.json || process.stderr.write(`${s}\n`);
const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const clock = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
  const t0 = performance.now();
  const r = await f();
  return [r, (performance.now() - t0) / 1000];
};

async function main() {
  if (opt.random && opt.random !== 'tiny' && opt.random !== 'full') throw new Error(`--random takes tiny or full, got ${opt.random}`);
  const packDir = opt.random ? mkdtempSync(join(tmpdir(), 'bench-random-pack-')) : opt.pack!;
  if (opt.random) await writeTinyPack(packDir, { size: opt.random as 'tiny' | 'full' });
  // Inversion needs only the autoencoder, so it can be measured while the denoiser still trains.
  if (!['all', 'inversion', 'methods'].includes(opt.part!)) throw new Error(`--part takes all, inversion or methods, got ${opt.part}`);
  if (opt.record && opt.part !== 'all') throw new Error('--record rewrites the whole results block, so it needs --part all');
  const methodsToo = opt.part !== 'inversion';
  // The latent inversion needs only the autoencoder: a pack that changed only its denoiser can skip it.
  const inversionToo = opt.part !== 'methods';
  const needed = methodsToo ? [...COMPONENTS] : (['vae'] as const);
  const missing = needed.filter((c) => !readDiffusionManifest(packDir)?.components[c]);
  if (missing.length) {
    process.stderr.write(`bench:personalize: the pack in ${packDir} lacks ${missing.join(', ')}; train them first (npm run train -- …), or run with --random tiny to check the pipeline\n`);
    process.exit(2);
  }
  if (opt.backend === 'web') configureWasm({ threads: 1 });
  const backend = opt.backend === 'web' ? webBackend : nodeBackend;
  const model = new PackModel(await loadPack(fileFetchBytes(packDir), { architectures: PACK_ARCHITECTURES, components: needed }), backend, opt.threads ? { threads: Number(opt.threads) } : {});
  if (opt.evaluator && opt.record) throw new Error('--record keeps the pack\'s own ruler; --evaluator measures with another, so the two do not go together');
  const judge = !methodsToo ? null : opt.evaluator ? await loadJudge(opt.evaluator, opt.threads ? { threads: Number(opt.threads) } : {}) : { clip: await model.evaluator(), tokenizer: new Tokenizer(model.manifest.tokenizer) };

  const holdout = readHoldout().concepts.slice(0, opt.concepts ? Number(opt.concepts) : undefined);
  const items = loadEmojiDataset({ split: 'holdout', styles: ['twemoji'] }).filter((it) => !it.tone);
  const chosen = holdout.map((c) => ({ ...c, item: items.find((it) => it.concept === c.concept)! })).filter((c) => c.item);
  const pixels = await loadPixels(chosen.map((c) => c.item));

  const per: Record<Method, { clipI: number[]; clipT: number[]; seconds: number[] }> = Object.fromEntries(METHODS.map((m) => [m, { clipI: [], clipT: [], seconds: [] }])) as never;
  const inv: Record<'encoder' | 'optimization' | 'hybrid', { psnr: number[]; seconds: number[] }> = { encoder: { psnr: [], seconds: [] }, optimization: { psnr: [], seconds: [] }, hybrid: { psnr: [], seconds: [] } };
  for (const [i, c] of chosen.entries()) {
    const ref = pixelBatch(pixels, [i]).data as Float32Array;
    const latents = await model.encode(ref, 1);
    for (const method of methodsToo ? METHODS : []) {
      const [p, secs] = await clock(() => personalize(model, method, latents, 1, { ...S, templates: TEMPLATES, seed: i }));
      // The floor never saw the concept: it is prompted with the concept's name instead of S*.
      const word = method === 'floor' ? c.name : 'S*';
      for (const [k, prompt] of PROMPTS.entries()) {
        const images = await generateImages(model, p, prompt.replace('S*', word), S.perPrompt, { steps: S.genSteps, guidance: 4, seed: 1000 * i + k });
        const s = await scoreImages(judge!.clip, judge!.tokenizer.config, { images, n: S.perPrompt, size: model.resolution.width, references: { data: ref, n: 1 }, prompt, placeholderAs: c.name });
        per[method].clipI.push(s.clipI);
        per[method].clipT.push(s.clipT);
      }
      await p.release();
      if (method !== 'floor') per[method].seconds.push(secs);
    }
    if (inversionToo) await invert(ref);
    const scores = methodsToo ? METHODS.map((m) => `${m} CLIP-I ${avg(per[m].clipI.slice(-PROMPTS.length)).toFixed(3)}`) : [];
    const psnrs = inversionToo ? [`inversion PSNR ${Object.entries(inv).map(([k, v]) => `${k} ${v.psnr.at(-1)!.toFixed(2)}`).join(', ')}`] : [];
    log(`[${i + 1}/${chosen.length}] ${c.name}: ${[...scores, ...psnrs].join('; ')}`);
  }

  /** Latent inversion of one reference by the encoder, by optimization and by the hybrid. */
  async function invert(ref: Float32Array) {
    const psnr = async (z: Float32Array) => mean(psnrPerImage(await model.decode(z, 1), ref, 1));
    const [z0, tEnc] = await clock(async () => {
      const z = await model.encode(ref, 1);
      await model.decode(z, 1);
      return z;
    });
    inv.encoder.psnr.push(await psnr(z0));
    inv.encoder.seconds.push(tEnc);
    const [opt1, tOpt] = await clock(() => invertLatent(model, { targets: ref, n: 1, steps: S.invSteps, lr: 0.1 }));
    inv.optimization.psnr.push(await psnr(opt1.latent));
    inv.optimization.seconds.push(tOpt);
    const [hyb, tHyb] = await clock(async () => invertLatent(model, { targets: ref, n: 1, init: await model.encode(ref, 1), steps: S.hybridInvSteps, lr: 0.02 }));
    inv.hybrid.psnr.push(await psnr(hyb.latent));
    inv.hybrid.seconds.push(tHyb);
  }
  await model.release();
  if (opt.evaluator) await judge?.clip.release();
  if (opt.random) rmSync(packDir, { recursive: true, force: true });

  const methods = Object.fromEntries(METHODS.map((m) => [m, { clipI: avg(per[m].clipI), clipT: avg(per[m].clipT), secondsPerConcept: m === 'floor' ? 0 : avg(per[m].seconds) }]));
  const inversion = Object.fromEntries(Object.entries(inv).map(([k, v]) => [k, { psnr: avg(v.psnr), secondsPerImage: avg(v.seconds) }]));
  const M = methods as Record<Method, { clipI: number; clipT: number; secondsPerConcept: number }>;
  const I = inversionToo ? (inversion as Record<'encoder' | 'optimization' | 'hybrid', { psnr: number; secondsPerImage: number }>) : null;
  const methodChecks = {
    everyMethodBeatsFloorOnClipI: METHODS.filter((m) => m !== 'floor').every((m) => M[m].clipI > M.floor.clipI),
    loraKeepsSubjectAtLeastAsWellAsTI: M.lora.clipI >= M['textual-inversion'].clipI,
    encoderUnder1s: M['concept-encoder'].secondsPerConcept < 1,
    tiAndLoraUnder60s: M['textual-inversion'].secondsPerConcept < 60 && M.lora.secondsPerConcept < 60,
  };
  const inversionChecks = I && {
    optimizationReconstructsBest: I.optimization.psnr >= I.hybrid.psnr && I.optimization.psnr >= I.encoder.psnr,
    hybridBetweenOnPsnr: I.hybrid.psnr >= I.encoder.psnr && I.hybrid.psnr <= I.optimization.psnr,
    encoderFastest: I.encoder.secondsPerImage <= I.hybrid.secondsPerImage && I.hybrid.secondsPerImage <= I.optimization.secondsPerImage,
  };
  const checks = { ...(methodsToo ? methodChecks : {}), ...inversionChecks };
  const settings = { pack: opt.random ? `random ${opt.random}-size pack (scores meaningless)` : model.name, backend: backend.name, concepts: chosen.length, prompts: PROMPTS, ...S, ...(opt.evaluator ? { evaluator: opt.evaluator } : {}) };
  if (opt.json) process.stdout.write(`${JSON.stringify({ settings, ...(methodsToo ? { methods } : {}), ...(I ? { inversion } : {}), checks }, null, 2)}\n`);
  const table = markdown(settings, methodsToo ? M : null, I, checks);
  if (!opt.json) process.stdout.write(`${table}\n`);
  // Only --record rewrites the README's results block: a plain run prints and leaves files alone.
  if (opt.record) writeReadme(table);
}

function markdown(settings: Record<string, unknown>, M: Record<Method, { clipI: number; clipT: number; secondsPerConcept: number }> | null, I: Record<string, { psnr: number; secondsPerImage: number }> | null, checks: Record<string, boolean>): string {
  const f = (v: number, d = 3) => v.toFixed(d);
  // Three significant digits, so a few milliseconds do not print as 0.00.
  const seconds = (v: number) => (v >= 10 ? v.toFixed(1) : v.toPrecision(3));
  return [
    `Pack ${settings.pack}, ${settings.backend}, ${settings.concepts} held-out concepts; TI ${settings.tiSteps} steps (lr ${METHOD_LR.textualInversion}), LoRA ${settings.loraSteps} steps (rank 4, attention, lr ${METHOD_LR.lora}), hybrid ${settings.hybridSteps} steps (lr ${METHOD_LR.hybrid}); denoising losses weighted by min-SNR-${DEFAULT_MIN_SNR_GAMMA}; ${settings.perPrompt} image(s) per prompt × ${PROMPTS.length} prompts, DPM-Solver++ ${settings.genSteps} steps, guidance 4.${settings.evaluator ? ` Scored by the evaluator of ${settings.evaluator}.` : ''}${I ? ` Latent inversion: optimization ${settings.invSteps} Adam steps from zeros, hybrid ${settings.hybridInvSteps} from the encoder's latent.` : ''}`,
    '',
    ...(M
      ? [
          '| method | CLIP-I ↑ | CLIP-T ↑ | s / concept |',
          '| --- | --- | --- | --- |',
          ...METHODS.map((m) => `| ${m} | ${f(M[m].clipI)} | ${f(M[m].clipT)} | ${m === 'floor' ? '—' : seconds(M[m].secondsPerConcept)} |`),
          '',
        ]
      : []),
    ...(I
      ? [
          '| inversion (latent) | PSNR dB ↑ | s / image |',
          '| --- | --- | --- |',
          ...Object.entries(I).map(([k, v]) => `| ${k} | ${f(v.psnr, 2)} | ${seconds(v.secondsPerImage)} |`),
          '',
        ]
      : []),
    `Checks: ${Object.entries(checks).map(([k, v]) => `${k} ${v ? 'yes' : 'NO'}`).join('; ')}.`,
  ].join('\n');
}

const START = '<!-- bench:personalize:start -->';
const END = '<!-- bench:personalize:end -->';

function writeReadme(table: string) {
  const file = join(import.meta.dirname, '..', 'README.md');
  const text = readFileSync(file, 'utf8');
  const block = `${START}\n${table}\n${END}`;
  const next = text.includes(START) ? text.replace(new RegExp(`${START}[\\s\\S]*?${END}`), block) : `${text.trimEnd()}\n\n## Personalization benchmark\n\n\`npm run bench:personalize\` (last results):\n\n${block}\n`;
  writeFileSync(file, next);
}

if (opt.family === 'gan' || opt.family === 'ar') {
  const diffusionOnly = (['random', 'backend', 'threads', 'part'] as const).filter((k) => process.argv.some((a) => a === `--${k}` || a.startsWith(`--${k}=`)));
  const which = opt.family === 'gan' ? 'GAN' : 'AR';
  if (diffusionOnly.length) throw new Error(`--${diffusionOnly.join(', --')} belong${diffusionOnly.length > 1 ? '' : 's'} to the diffusion benchmark; the ${which} one takes --concepts, --json, --quick, --record and --pack`);
  if (opt.family === 'gan') await (await import('./personalize-gan.ts')).runGanBench(process.argv.slice(2));
  else await (await import('./personalize-ar.ts')).runArBench(process.argv.slice(2));
} else if (opt.family === 'diffusion') await main();
else throw new Error(`--family takes diffusion, gan or ar, got ${opt.family}`);
