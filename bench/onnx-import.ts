// The imported-network line of `npm run bench:engine`: for the largest network the importer's
// tests write (ml/onnx/zoo-networks.ts: ResNet-like, opset 9, BatchNormalization, edge Pad,
// Upsample), the time to import it and build its gradient graph, and one Adam step on
// sum(logits) over every conv, linear and BatchNorm affine weight against PyTorch's same step,
// measured in the same run (bench/onnx_import_torch.py).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { grad } from '../ml/grad/grad.ts';
import { importOnnx } from '../ml/onnx/import.ts';
import { decodeOnnx } from '../ml/onnx/serialize.ts';
import { resnetLike } from '../ml/onnx/zoo-networks.ts';
import { Adam } from '../ml/optim/adam.ts';
import { randn, Rng } from '../ml/random.ts';
import { nodeBackend } from '../ml/session/node.ts';
import { Trainer } from '../ml/train/trainer.ts';

const PYTHON = '/usr/bin/python3';

export interface OnnxImportBench {
  network: string;
  nodes: number;
  import_ms: number;
  differentiate_ms: number;
  step_ms: number;
  torch_step_ms: number | null;
  ratio: number | null;
  line: string;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timed(fn: () => unknown | Promise<unknown>, warmup: number, reps: number): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

export async function onnxImportBench(o: { steps: number; warmup: number; threads: number; torch: boolean; size?: number; width?: number }): Promise<OnnxImportBench> {
  const size = o.size ?? 32;
  const width = o.width ?? 16;
  const net = resnetLike({ size, width, opset: 9 });
  const raw = decodeOnnx(net.bytes);
  // Trained: every conv, linear and BatchNorm affine weight (running statistics stay constants).
  const trainable = [...raw.initializers.keys()].filter((k) => /(weight|bias)$/.test(k) && raw.initializers.get(k)!.dtype === 'float32');
  const import_ms = await timed(() => importOnnx(net.bytes, { trainable }), 1, 5);
  const g = importOnnx(net.bytes, { trainable });
  const differentiate_ms = await timed(() => grad(g, { loss: 'logits', wrt: trainable }), 1, 5);

  const params = Object.fromEntries(trainable.map((k) => [k, g.initializers.get(k)!]));
  const trainer = await Trainer.create({ graph: g, loss: 'logits', trainable, params, optimizer: new Adam({ lr: 1e-3 }), backend: nodeBackend, session: { threads: o.threads } });
  const x = randn(net.input.shape, new Rng(0));
  const step_ms = await timed(() => trainer.step({ input: x }), o.warmup, o.steps);
  await trainer.release();

  let torch_step_ms: number | null = null;
  let torchNote = 'PyTorch not measured';
  if (o.torch && existsSync(PYTHON)) {
    try {
      const out = execFileSync(
        PYTHON,
        [join(import.meta.dirname, 'onnx_import_torch.py'), '--size', String(size), '--width', String(width), '--steps', String(o.steps), '--warmup', String(o.warmup), '--threads', String(o.threads)],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
      );
      torch_step_ms = (JSON.parse(out) as { step_ms: number }).step_ms;
    } catch (e) {
      torchNote = `PyTorch failed: ${(e as Error).message.split('\n')[0]}`;
    }
  }
  const ratio = torch_step_ms ? step_ms / torch_step_ms : null;
  const name = `${net.name}, ${width}–${2 * width} channels, ${size}x${size}, ${g.nodes.length} nodes`;
  const line =
    `Imported ONNX (${name}): import ${import_ms.toFixed(1)} ms + differentiate ${differentiate_ms.toFixed(1)} ms; ` +
    `training step ${step_ms.toFixed(2)} ms` +
    (ratio !== null ? ` vs PyTorch ${torch_step_ms!.toFixed(2)} ms (${ratio.toFixed(2)}x)` : ` (${torchNote})`);
  return { network: net.name, nodes: g.nodes.length, import_ms, differentiate_ms, step_ms, torch_step_ms, ratio, line };
}
