// Every limit that untrusted input (graph files, PNGs, images, weights, model packs, ONNX files,
// node parameters) is checked against, in one table. It lives at the bottom of the import order so
// every layer reads the same numbers; each refusal names the limit it hit (see LimitError).
export const LIMITS = {
  /** Bytes of a graph JSON file or of the graph text a PNG carries. */
  graphBytes: 8 * 1024 * 1024,
  /** Bytes of a model pack's manifest.json. */
  manifestBytes: 16 * 1024 * 1024,
  /** Nesting of arrays and objects in any JSON we read (graphs, manifests, safetensors headers). */
  jsonDepth: 64,
  /** Bytes of any file or URL a graph or a model pack names (weights included). */
  sourceBytes: 1024 * 1024 * 1024,
  /** Bytes of one image file. */
  imageBytes: 64 * 1024 * 1024,
  /** Milliseconds a read of one file or URL may take, start to end. */
  readMs: 120_000,
  /** Pixels (width × height) an image may declare before it is decoded. */
  imagePixels: 40_000_000,
  /** Bytes a node may allocate for its outputs, estimated from its parameters before it runs. */
  nodeBytes: 1024 * 1024 * 1024,
  /** Elements of one tensor in a weights or ONNX file (typed arrays stop at 2^32 anyway). */
  tensorElements: 2 ** 31,
  /** Nodes that unrolling an ONNX file's Loop and Scan bodies may add to the imported graph. */
  unrolledNodes: 200_000,
  /** Nesting of ONNX messages (graphs in attributes, types in types). */
  onnxDepth: 32,
  /** Heap of one worker thread of the Node runtime, in MiB. */
  workerHeapMb: 4096,
} as const;

export type LimitName = keyof typeof LIMITS;
/** The limits on how many bytes one read may return. */
export type ByteLimit = 'graphBytes' | 'sourceBytes' | 'imageBytes';

/** A refusal because input went past one of LIMITS; the message names the limit and its value. */
export class LimitError extends Error {
  constructor(
    readonly limit: LimitName,
    message: string,
  ) {
    super(`${message} (limit ${limit} = ${LIMITS[limit].toLocaleString('en-US')})`);
    this.name = 'LimitError';
  }
}

/** Readable byte counts for messages: 1.5 GiB, 64 MiB, 812 bytes. */
export function formatBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(1)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(1)} KiB`;
  return `${n} bytes`;
}
