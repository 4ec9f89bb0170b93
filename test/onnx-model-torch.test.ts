// A generator exported by PyTorch (Debian's python3-torch, when present) goes through the ONNX
// Model family as a person's own file would: imported at the opset PyTorch wrote, run as onnxruntime
// runs the file, inverted, and tuned with LoRA.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeOnnx, randn, Rng, type Tensor } from '../ml/index.ts';
import { nodeBackend } from '../ml/session/node.ts';
import { ImportedModel } from '../models/onnx/imported-model.ts';

const PYTHON = '/usr/bin/python3';

function torchAvailable(): boolean {
  if (!existsSync(PYTHON)) return false;
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const EXPORT = `
import sys, torch, torch.nn as nn
torch.manual_seed(0)
class G(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 32 * 4 * 4)
        self.bn = nn.BatchNorm2d(32)
        self.up1 = nn.ConvTranspose2d(32, 16, 4, 2, 1)
        self.up2 = nn.Upsample(scale_factor=2, mode="nearest")
        self.conv = nn.Conv2d(16, 3, 3, padding=1)
    def forward(self, z):
        h = self.fc(z).view(-1, 32, 4, 4)
        h = torch.relu(self.bn(h))
        h = torch.nn.functional.leaky_relu(self.up1(h), 0.2)
        return torch.tanh(self.conv(self.up2(h)))
torch.onnx.export(G().eval(), torch.randn(1, 16), sys.argv[1], opset_version=int(sys.argv[2]), input_names=["z"], output_names=["image"])
`;

const mse = (a: Tensor, b: Tensor) => {
  const x = a.data as Float32Array;
  const y = b.data as Float32Array;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i] - y[i]) ** 2;
  return s / x.length;
};

describe.runIf(torchAvailable())('a PyTorch-exported generator as an ONNX Model', () => {
  for (const opset of [9, 11])
    it(`opset ${opset}: imports, runs as onnxruntime does, inverts and tunes`, { timeout: 120_000 }, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'torch-generator-'));
      try {
        const path = join(dir, 'g.onnx');
        execFileSync(PYTHON, ['-W', 'ignore', '-c', EXPORT, path, String(opset)], { stdio: 'pipe' });
        const bytes = readFileSync(path);
        expect(decodeOnnx(bytes).opset).toBe(opset);
        const m = ImportedModel.fromBytes(bytes, { backend: nodeBackend });
        expect(m.outputs[0].shape).toEqual([1, 3, 16, 16]);
        const z = randn([1, 16], new Rng(4));
        const s = await nodeBackend.create(bytes);
        const want = (await s.run({ z })).image;
        await s.release();
        expect(mse((await m.run({ z })).image, want)).toBeLessThan(1e-10);
        const r = await m.invert({ input: 'z', output: 'image', targets: want, steps: 60, lr: 0.1, seed: 1 });
        expect(r.losses[r.losses.length - 1]).toBeLessThan(0.3 * r.losses[0]);
        const t = await m.tune({ input: 'z', output: 'image', inputValue: m.sampleInput('z', 2), targets: want, rank: 2, alpha: 2, steps: 30, lr: 0.01 });
        expect(t.losses[t.losses.length - 1]).toBeLessThan(t.losses[0]);
        expect(Object.keys(t.lora.tensors)).toContain('fc.weight.lora_A');
        await m.release();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
});
