// Trains the small generator that graphs/onnx-generator-inversion.json imports, by generative latent
// optimization (GLO, Bojanowski et al. 2018): its weights and one latent per image are learned
// together to reproduce twemoji faces and animals at 16×16, so that inverting an unseen emoji (the
// cat face is held out) lands on a plausible image. Writes the generator at opset 9 with the engine's
// own writer to public/models/onnx-generator/generator.onnx.
//
//   npx tsx scripts/train-onnx-generator.ts [--steps 1500] [--out path]
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Adam, f32, GraphBuilder, i64, Rng, type Tensor, toOnnxBytes, Trainer } from '../ml/index.ts';
import { nodeBackend } from '../ml/session/node.ts';
import { catalogItems } from '../models/data/catalog.ts';
import { emojiRecords } from '../models/data/emoji.ts';
import { IMAGE_SIZE, loadPixels } from '../models/data/pixels.ts';
import { tinyGeneratorGraph, tinyGeneratorWeights } from '../models/onnx/tiny-generator.ts';

const { values: opt } = parseArgs({
  options: { steps: { type: 'string', default: '1500' }, batch: { type: 'string', default: '32' }, out: { type: 'string', default: 'public/models/onnx-generator/generator.onnx' } },
});
const STEPS = Number(opt.steps);
const BATCH = Number(opt.batch);
const SIDE = 16;
const LATENT = 32;
const HELD_OUT = '1F431'; // the cat face the example graph inverts

const items = catalogItems(emojiRecords('twemoji'), 'twemoji').filter(
  (it) => !it.tone && it.concept !== HELD_OUT && (it.subcategory.startsWith('face-') || it.subcategory === 'animal-mammal'),
);
const store = await loadPixels(items);
const n = items.length;
// 64×64 uint8 → 16×16 in [−1, 1] by 4×4 box averaging.
const f = IMAGE_SIZE / SIDE;
const images = new Float32Array(n * 3 * SIDE * SIDE);
for (let i = 0; i < n; i++)
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < SIDE; y++)
      for (let x = 0; x < SIDE; x++) {
        let s = 0;
        for (let dy = 0; dy < f; dy++) for (let dx = 0; dx < f; dx++) s += store.pixels[((i * 3 + c) * IMAGE_SIZE + y * f + dy) * IMAGE_SIZE + x * f + dx];
        images[((i * 3 + c) * SIDE + y) * SIDE + x] = s / (f * f) / 127.5 - 1;
      }
process.stderr.write(`${n} images (twemoji faces and mammals, ${HELD_OUT} held out)\n`);

// The generator with its weights as inputs, fed latents gathered from a table of one per image.
const init = tinyGeneratorWeights({ latent: LATENT, size: SIDE });
const gen = tinyGeneratorGraph(init, { batch: BATCH, asInputs: true });
const b = GraphBuilder.from(gen);
const table = b.input('latents', 'float32', [n, LATENT]);
const idx = b.input('idx', 'int64', [BATCH]);
const target = b.input('target', 'float32', [BATCH, 3, SIDE, SIDE]);
// The generator reads `z`: rename its input to the gathered rows.
const z = b.op1('Gather', [table, idx], { axis: 0 }, { name: 'pick' });
const g = b.graph;
// Trained at opset 17 (its gradient uses opset-13+ operators); the same nodes are valid at 9, where it is written.
g.opset = 17;
g.inputs = g.inputs.filter((i) => i !== 'z');
for (const node of g.nodes) node.inputs = node.inputs.map((i) => (i === 'z' ? z.name : i));
g.nodes.unshift(g.nodes.pop()!);
g.values.delete('z');
const d = b.op1('Sub', [b.value('image'), target]);
b.output(b.op1('ReduceMean', [b.op1('Mul', [d, d])], { axes: [0, 1, 2, 3], keepdims: 0 }), 'loss');

const rng = new Rng(1);
const latents = f32([n, LATENT]);
(latents.data as Float32Array).forEach((_, i, a) => (a[i] = 0.1 * (rng.next() * 2 - 1)));
// Batch statistics stay fixed (an inference-form BatchNormalization), so only the affine and the convolutions learn.
const trainable = ['latents', ...Object.keys(init).filter((k) => !k.includes('running_'))];
const trainer = await Trainer.create({ graph: b.build(), loss: 'loss', trainable, params: { ...init, latents }, optimizer: new Adam({ lr: 3e-3 }), backend: nodeBackend });
const order = Array.from({ length: n }, (_, i) => i);
let ema = 0;
for (let k = 0; k < STEPS; k++) {
  if (k % Math.floor(n / BATCH) === 0) for (let i = n - 1; i > 0; i--) { const j = rng.int(i + 1); [order[i], order[j]] = [order[j], order[i]]; }
  const start = (k % Math.floor(n / BATCH)) * BATCH;
  const pick = order.slice(start, start + BATCH);
  const t = f32([BATCH, 3, SIDE, SIDE]);
  pick.forEach((p, j) => (t.data as Float32Array).set(images.subarray(p * 3 * SIDE * SIDE, (p + 1) * 3 * SIDE * SIDE), j * 3 * SIDE * SIDE));
  const loss = await trainer.step({ idx: i64([BATCH], pick), target: t });
  // GLO keeps latents on the unit ball's inside, so inversion from the origin stays in range.
  const lat = trainer.params.latents.data as Float32Array;
  for (const p of pick) {
    let s = 0;
    for (let j = 0; j < LATENT; j++) s += lat[p * LATENT + j] ** 2;
    const scale = s > 1 ? 1 / Math.sqrt(s) : 1;
    for (let j = 0; j < LATENT; j++) lat[p * LATENT + j] *= scale;
  }
  ema = k ? 0.95 * ema + 0.05 * loss : loss;
  if ((k + 1) % 100 === 0) process.stderr.write(`step ${k + 1}/${STEPS}: loss ${ema.toFixed(4)}\n`);
}
const trained: Record<string, Tensor> = Object.fromEntries(Object.keys(init).map((k) => [k, trainer.params[k]]));
await trainer.release();
writeFileSync(opt.out!, toOnnxBytes(tinyGeneratorGraph(trained)));
process.stderr.write(`wrote ${opt.out}\n`);
