// Hand-made hostile inputs, one per known way in: each defect the campaign is meant to keep out
// (deep nesting, decompression bombs, devices as files, path tricks in ids, prototype keys,
// quadratic checks, malformed ONNX) as the smallest file that shows it.
import { deflateSync } from 'node:zlib';
import { f32, writeSafetensors } from '../../ml/index.ts';
import { onnx } from '../../ml/onnx/proto.ts';
import { attr, modelBytes, nodeMsg, valueMsg } from '../../ml/onnx/test-models.ts';
import { crc32, encodePngWithGraph } from '../../runtime/index.ts';
import type { Surface } from './surfaces.ts';

const enc = new TextEncoder();
const json = (v: unknown) => enc.encode(JSON.stringify(v));
const deep = (n: number, leaf = '0') => `${'['.repeat(n)}${leaf}${']'.repeat(n)}`;

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  out.set(enc.encode(type), 4);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

/** A PNG that declares width × height RGB pixels but holds only `rows` rows of zeros. */
export function pngBomb(width: number, height: number, rows = 1, text?: string): Uint8Array {
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const idat = new Uint8Array(deflateSync(new Uint8Array(Math.min(rows, height) * (1 + width * 3))));
  const parts = [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr)];
  if (text !== undefined) parts.push(chunk('tEXt', enc.encode(`workflow\0${text}`)));
  parts.push(chunk('IDAT', idat), chunk('IEND', new Uint8Array()));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const tinyGraph = { version: 2, nodes: [{ id: 'p', type: 'text-prompt', params: { text: 'a cat' } }], edges: [] };

function graphWith(nodes: unknown[], edges: unknown[] = [], extra: Record<string, unknown> = {}) {
  return { version: 2, ...extra, nodes, edges };
}

function tangle(): Uint8Array {
  // 5,000 nodes and 20,000 edges among them: one huge cycle-riddled component.
  const n = 5000;
  const nodes = Array.from({ length: n }, (_, i) => ({ id: `n${i}`, type: 'blend', params: {} }));
  const edges = Array.from({ length: 20_000 }, (_, i) => {
    const s = (i * 7919) % n;
    const t = (i * 104_729 + 1) % n;
    return { id: `e${i}`, source: `n${s}`, sourceHandle: 'image', target: `n${t}`, targetHandle: i % 2 ? 'a' : 'b' };
  });
  return json(graphWith(nodes, edges));
}

function savedGraph(id: string, params: Record<string, unknown> = {}) {
  return json(
    graphWith(
      [
        { id: 'noise', type: 'seed-noise', params: { width: 8, height: 8 } },
        { id, type: 'preview', params: { cell: 16, ...params } },
      ],
      [{ id: 'e', source: 'noise', sourceHandle: 'image', target: id, targetHandle: 'images' }],
    ),
  );
}

function loaderGraph(sources: string[], params: Record<string, unknown> = {}) {
  return json(
    graphWith(
      [
        { id: 'load', type: 'image-loader', params: { sources, width: 16, height: 16, ...params } },
        { id: 'save', type: 'save-image', params: { prefix: 'x' } },
      ],
      [{ id: 'e', source: 'load', sourceHandle: 'images', target: 'save', targetHandle: 'images' }],
    ),
  );
}

function onnxNested(depth: number): Uint8Array {
  // Model{graph{node{attribute{g{node{attribute{g{…}}}}}}}} built from the inside out.
  const field = (n: number, body: Uint8Array) => {
    const len: number[] = [];
    let v = body.length;
    do {
      len.push((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
      v >>>= 7;
    } while (v);
    const out = new Uint8Array(1 + len.length + body.length);
    out[0] = (n << 3) | 2;
    out.set(len, 1);
    out.set(body, 1 + len.length);
    return out;
  };
  let g = new Uint8Array();
  for (let i = 0; i < depth; i++) g = field(1, field(5, field(6, g))); // graph.node.attribute.g
  return field(7, g);
}

function manifestWith(base: Record<string, unknown>, edit: (m: Record<string, any>) => void): Uint8Array {
  const m = structuredClone(base) as Record<string, any>;
  edit(m);
  return json(m);
}

export function craftedFor(surface: Surface, packManifest?: Uint8Array): Uint8Array[] {
  switch (surface) {
    case 'graph-json':
      return [
        enc.encode(`{"version":2,"nodes":[{"id":"a","type":"text-prompt","params":{"text":"x","deep":${deep(10_000)}}}],"edges":[]}`),
        enc.encode(`{"version":2,"nodes":[{"id":"a","type":"text-prompt","params":{"text":"x"},"extra":${deep(50_000)}}],"edges":[]}`),
        enc.encode(`{"version":1,"nodes":[{"id":"a","type":"text-prompt","data":{"params":{"text":${deep(20_000, '"x"')}}}}],"edges":[]}`),
        ...['__proto__', 'constructor', 'toString', 'hasOwnProperty'].map((h) =>
          json(graphWith([{ id: 'n', type: 'seed-noise' }, { id: 'p', type: 'preview' }], [{ id: 'e', source: 'n', sourceHandle: h, target: 'p', targetHandle: h }])),
        ),
        tangle(),
        json(graphWith([{ id: 'n', type: 'seed-noise', params: { batch: 64, channels: 16, width: 4096, height: 4096 } }])),
        json(graphWith([{ id: 'l', type: 'image-loader', params: { sources: Array(64).fill('a.png'), width: 4096, height: 4096 } }])),
        json(graphWith([{ id: '__proto__', type: 'constructor', params: { __proto__: 1 } }])),
        json(graphWith([{ id: '../../../x', type: 'text-prompt', params: { text: 'x' } }])),
      ];
    case 'cli':
      return [
        savedGraph('../../../escaped'),
        savedGraph('a/b'),
        savedGraph('nul\u0000id'),
        savedGraph('..'),
        savedGraph('/etc/passwd'),
        savedGraph('CON'),
        savedGraph('x'.repeat(200)),
        loaderGraph(['/dev/zero']),
        loaderGraph(['/dev/urandom']),
        loaderGraph(['/proc/self/status']),
        loaderGraph(['.']),
        loaderGraph(['file:///dev/zero']),
        loaderGraph([`data:image/png;base64,${Buffer.from(pngBomb(16_000, 16_000)).toString('base64')}`]),
        loaderGraph([`data:image/svg+xml,${encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" width="16000" height="16000"><rect width="16000" height="16000"/></svg>')}`]),
        loaderGraph(['samples/1f431.png'], { width: 4096, height: 4096 }),
        loaderGraph(Array(64).fill('samples/1f431.png'), { width: 4096, height: 4096 }),
        json(graphWith([{ id: 'n', type: 'seed-noise', params: { batch: 64, channels: 16, width: 4096, height: 4096 } }])),
        json(
          graphWith(
            [
              { id: 'n', type: 'seed-noise', params: { width: 8, height: 8 } },
              { id: 's', type: 'save-image', params: { prefix: '..' } },
              { id: 's2', type: 'save-image', params: { prefix: '..' } },
            ],
            [
              { id: 'e', source: 'n', sourceHandle: 'image', target: 's', targetHandle: 'images' },
              { id: 'e2', source: 'n', sourceHandle: 'image', target: 's2', targetHandle: 'images' },
            ],
          ),
        ),
      ];
    case 'png-graph': {
      const good = encodePngWithGraph({ width: 2, height: 2, data: new Uint8Array(16).fill(200) }, tinyGraph);
      const badCrc = good.slice();
      badCrc[good.length - 20] ^= 1;
      const hugeLength = good.slice();
      new DataView(hugeLength.buffer).setUint32(33, 0xfffffff0);
      return [
        badCrc,
        hugeLength,
        good.slice(0, good.length - 7),
        pngBomb(16_000, 16_000, 1, JSON.stringify(tinyGraph)),
        pngBomb(1, 100_000_000, 1, JSON.stringify(tinyGraph)),
        pngBomb(4, 4, 4, `{"version":2,"nodes":[],"edges":[],"x":${deep(50_000)}}`),
      ];
    }
    case 'image':
      return [
        pngBomb(16_000, 16_000),
        pngBomb(1, 100_000_000),
        pngBomb(100_000_000, 1),
        enc.encode('<svg xmlns="http://www.w3.org/2000/svg" width="16000" height="16000"><rect width="16000" height="16000" fill="red"/></svg>'),
        enc.encode('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="100000000"><rect width="1" height="100000000"/></svg>'),
        new Uint8Array([0xff, 0xd8, 0xff, 0xc0, 0, 17, 8, 0xff, 0xff, 0xff, 0xff, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1, 0xff, 0xd9]),
        new Uint8Array([...enc.encode('GIF89a'), 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0x2c, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 2, 2, 0x44, 1, 0, 0x3b]),
      ];
    case 'safetensors': {
      const header = (h: string) => {
        const body = enc.encode(h);
        const out = new Uint8Array(8 + body.length);
        new DataView(out.buffer).setUint32(0, body.length, true);
        out.set(body, 8);
        return out;
      };
      const bigLen = writeSafetensors({ w: f32([1], [1]) });
      new DataView(bigLen.buffer).setUint32(4, 0x10000000, true);
      return [
        header(`{"t":{"dtype":"F32","shape":${deep(100_000)},"data_offsets":[0,0]}}`),
        header(`{"__metadata__":${`{"a":`.repeat(50_000)}1${'}'.repeat(50_000)}}`),
        header('{"t":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,0]}}'),
        header('{"t":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}'),
        bigLen,
      ];
    }
    case 'onnx': {
      const x = valueMsg('x', 'float32', [2]);
      const AT = onnx.AttributeProto.AttributeType;
      return [
        modelBytes({ nodes: [nodeMsg('Constant', [], ['y'], [{ name: 'value', type: AT.TENSOR }])], inputs: [], outputs: [valueMsg('y', 'float32', [2])] }),
        modelBytes({ nodes: [nodeMsg('Relu', ['x'], ['y'])], inputs: [valueMsg('x', 'float32', [-5])], outputs: [valueMsg('y', 'float32', [-5])] }),
        modelBytes({
          nodes: [nodeMsg('Add', ['x', 'w'], ['y'])],
          inputs: [x],
          outputs: [valueMsg('y', 'float32', [2])],
          initializers: [],
        }),
        onnx.ModelProto.encode({
          irVersion: 8,
          opsetImport: [{ domain: '', version: 17 }],
          graph: { name: 'g', node: [], input: [x], output: [x], initializer: [{ name: 'w', dataType: 1, dims: [2 ** 30, 2 ** 30, 2 ** 30], floatData: [] }] },
        }).finish(),
        onnx.ModelProto.encode({
          irVersion: 8,
          opsetImport: [{ domain: '', version: 17 }],
          graph: { name: 'g', node: [], input: [x], output: [x], initializer: [{ name: 'w', dataType: 1, dims: [-3], floatData: [1, 2, 3] }] },
        }).finish(),
        modelBytes({ nodes: [nodeMsg('Constant', [], ['y'], [attr.ints('value_ints', [1])])], inputs: [], outputs: [valueMsg('y', 'int64', [1])] }),
        onnxNested(10_000),
      ];
    }
    case 'manifest': {
      if (!packManifest) return [];
      const m = JSON.parse(new TextDecoder().decode(packManifest)) as Record<string, unknown>;
      return [
        manifestWith(m, (x) => (x.components.textEncoder.architecture.layers = 1_000_000)),
        manifestWith(m, (x) => (x.components.textEncoder.architecture.dim = 1_000_000)),
        ...['__proto__', 'constructor', 'toString'].map((k) => manifestWith(m, (x) => (x.components.vae.architecture.kind = k))),
        manifestWith(m, (x) => (x.components.vae.weights = 'constructor')),
        manifestWith(m, (x) => {
          const n = 100_000;
          const ph = Array.from({ length: n }, (_, i) => `<s${i + 1}>`);
          x.tokenizer = { ...x.tokenizer, vocab: ['<pad>', '<bos>', '<eos>', '<unk>', ...ph], placeholders: ph };
        }),
        enc.encode(`{"schemaVersion":1,"x":${deep(100_000)}}`),
      ];
    }
    case 'gan-manifest': {
      if (!packManifest) return [];
      const m = JSON.parse(new TextDecoder().decode(packManifest)) as Record<string, unknown>;
      return [
        // A generator far too large to build, a class list that disagrees with it, a file outside the pack.
        manifestWith(m, (x) => (x.components.generator.architecture.channels = [1024, 1024, 1024, 1024, 1024, 1024, 1024])),
        manifestWith(m, (x) => (x.components.generator.architecture.resolution = 1 << 20)),
        manifestWith(m, (x) => (x.classes = x.classes.slice(1))),
        manifestWith(m, (x) => (x.classes = Array.from({ length: 100_000 }, (_, i) => `c${i}`))),
        manifestWith(m, (x) => (x.components.generator.weights = '../generator.safetensors')),
        ...['__proto__', 'constructor'].map((k) => manifestWith(m, (x) => (x.components.generator.architecture.kind = k))),
        manifestWith(m, (x) => (x.family = 'latent-diffusion')),
      ];
    }
    case 'ar-manifest': {
      if (!packManifest) return [];
      const m = JSON.parse(new TextDecoder().decode(packManifest)) as Record<string, unknown>;
      return [
        // A transformer far too large to build, pieces that do not fit each other, a file outside the pack.
        manifestWith(m, (x) => (x.components.transformer.architecture.width = 1 << 20)),
        manifestWith(m, (x) => (x.components.transformer.architecture.layers = 1_000_000)),
        manifestWith(m, (x) => (x.components.transformer.architecture.gridSize = 1 << 16)),
        manifestWith(m, (x) => (x.components.transformer.architecture.codebookSize = x.components.transformer.architecture.codebookSize + 1)),
        manifestWith(m, (x) => (x.components.imageTokenizer.architecture.quantizer.levels = [1 << 16, 1 << 16, 1 << 16])),
        manifestWith(m, (x) => (x.components.imageTokenizer.architecture.latentSide = 7)),
        manifestWith(m, (x) => (x.components.transformer.architecture.prefixLength = 0)),
        manifestWith(m, (x) => (x.components.transformer.weights = '../transformer.safetensors')),
        ...['__proto__', 'constructor'].map((k) => manifestWith(m, (x) => (x.components.transformer.architecture.kind = k))),
        manifestWith(m, (x) => (x.family = 'stylegan')),
      ];
    }
  }
}
