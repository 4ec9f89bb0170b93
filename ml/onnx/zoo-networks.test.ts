// Whole old-opset networks (VGG-like with LRN, ResNet-like with BatchNormalization, edge Pad and
// Upsample) import, compute what onnxruntime computes from the file as written, and differentiate
// with respect to the image and to chosen weights.
import { describe, expect, it } from 'vitest';
import { checkGradients, describeFailures } from '../grad/check.ts';
import { withDefaults } from '../ir.ts';
import { closeness, runModel } from '../ops/test-run.ts';
import { randn, Rng } from '../random.ts';
import { nodeBackend } from '../session/node.ts';
import type { Tensor } from '../tensor.ts';
import { importOnnx } from './import.ts';
import { toOnnxBytes } from './serialize.ts';
import { resnetLike, vggLike, type ZooNetwork } from './zoo-networks.ts';

const run = (bytes: Uint8Array, feeds: Record<string, Tensor>) => runModel(nodeBackend, bytes, feeds);

const NETWORKS: ZooNetwork[] = [vggLike({ opset: 7 }), vggLike({ opset: 9 }), resnetLike({ opset: 7 }), resnetLike({ opset: 9 }), resnetLike({ opset: 11 })];

describe('old-opset networks', () => {
  for (const net of NETWORKS)
    it(`${net.name}: imports, matches onnxruntime, differentiates`, async () => {
      const rng = new Rng(5);
      const x = randn(net.input.shape, rng);
      const trainable = [net.weights[0], net.weights[net.weights.length - 1]];
      const g = importOnnx(net.bytes, { trainable });
      const feeds = { [net.input.name]: x };
      const want = (await run(net.bytes, feeds)).logits.data as Float32Array;
      const got = (await run(toOnnxBytes(g), withDefaults(g, feeds))).logits.data as Float32Array;
      expect(closeness(got, want, 1e-4, 1e-6)).toBeLessThan(1);
      expect(g.nodes.map((n) => n.op)).not.toContain('Upsample');
      const r = await checkGradients(g, { wrt: [net.input.name, ...trainable], feeds, backend: nodeBackend, directions: 2, eps: 1e-3, rtol: 3e-2, atol: 5e-3 });
      expect(describeFailures(r)).toBe("");
    });
});
