import { Adam, f32, randn, Rng, Trainer } from '../../ml/index.ts';
import { nodeBackend } from '../../ml/session/node.ts';
import { buildVaeTraining, VAE_CONFIG, type VaeConfig } from './vae.ts';
const chans = JSON.parse(process.argv[2] ?? '[32,64,96]');
const batch = Number(process.argv[3] ?? 16);
const cfg: VaeConfig = { ...VAE_CONFIG, channels: chans };
const t0 = performance.now();
const { graph, params } = buildVaeTraining(cfg, batch);
const tr = await Trainer.create({ graph, loss: 'loss', trainable: params.names(), params: params.initial(), optimizer: new Adam({ lr: 1e-3 }), backend: nodeBackend, session: { threads: 1 } });
console.log('params', params.count(), 'build+create ms', (performance.now() - t0).toFixed(0));
const rng = new Rng(1);
const img = randn([batch, 3, 64, 64], rng, 0.5); const eps = randn([batch, 4, 16, 16], rng);
for (let i = 0; i < 6; i++) { const t = performance.now(); const l = await tr.step({ image: img, eps }); console.log(i, l.toFixed(4), (performance.now() - t).toFixed(0), 'ms'); }
