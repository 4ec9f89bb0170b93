// The pack model says when its parts do not fit together, before a graph fails on a shape: a concept
// encoder trained for an earlier, narrower text encoder is refused by name.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeBackend } from '../../ml/session/node.ts';
import { loadPack } from '../pack/load.ts';
import { fileFetchBytes } from '../pack/write.ts';
import { PACK_ARCHITECTURES } from './architectures.ts';
import { PackModel } from './model.ts';
import { writeTinyPack } from './tiny-pack.ts';

const dir = mkdtempSync(join(tmpdir(), 'pack-model-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('PackModel', () => {
  it('refuses a concept encoder whose word vectors are not as wide as the text encoder reads', async () => {
    await writeTinyPack(dir);
    const pack = await loadPack(fileFetchBytes(dir), { architectures: PACK_ARCHITECTURES });
    const model = new PackModel(pack, nodeBackend);
    const width = model.diffusionConfig.text.dim;
    expect(model.conceptEncoderConfig.embedDim).toBe(width);
    const arch = pack.manifest.components.conceptEncoder!.architecture as Record<string, unknown>;
    arch.embedDim = width + 8;
    expect(() => model.conceptEncoderConfig).toThrow(`makes ${width + 8}-wide word vectors but this pack's text encoder reads ${width}-wide ones`);
  });
});
