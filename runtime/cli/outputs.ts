// What the CLI writes for a finished run: every file a node produced, every image as PNG
// (one per batch item), small values as JSON. Pure: returns the plan of files to write.
import { encodePng } from '../../nodes/image/png.ts';
import { tensorToRgba } from '../../nodes/image/ops.ts';
import type { NodeOutputs } from '../values.ts';
import { safeFileName } from './safe-name.ts';

export interface PlannedFile {
  /** A plain file name (see safeFileName), unique within the plan. */
  name: string;
  bytes: Uint8Array;
}

export function plannedFiles(outputs: ReadonlyMap<string, NodeOutputs>): PlannedFile[] {
  const files: PlannedFile[] = [];
  const taken = new Set<string>();
  const add = (nodeId: string, name: string, bytes: Uint8Array) => {
    // Two savers with one prefix must not overwrite each other; names are compared as they will
    // be written (lower case too, for case-insensitive file systems).
    const has = (n: string) => taken.has(n.toLowerCase());
    let unique = safeFileName(name);
    if (has(unique)) unique = safeFileName(`${nodeId}-${name}`);
    for (let i = 2; has(unique); i++) unique = safeFileName(`${nodeId}-${i}-${name}`);
    taken.add(unique.toLowerCase());
    files.push({ name: unique, bytes });
  };
  const json = (v: unknown) => new TextEncoder().encode(`${JSON.stringify(v, null, 2)}\n`);
  for (const [nodeId, out] of outputs)
    for (const [port, value] of Object.entries(out)) {
      switch (value.kind) {
        case 'files':
          for (const f of value.files) add(nodeId, f.name, f.bytes);
          break;
        case 'image': {
          const n = value.tensor.shape[0];
          for (let i = 0; i < n; i++) add(nodeId, `${nodeId}-${port}${n > 1 ? `-${i}` : ''}.png`, encodePng(tensorToRgba(value.tensor, i)));
          break;
        }
        case 'prompt':
        case 'scalar':
        case 'series':
        case 'metrics':
        case 'model':
          add(nodeId, `${nodeId}-${port}.json`, json(value));
          break;
        case 'latent':
        case 'embedding':
        case 'lora':
          // Tensors for a model, not for people; they stay in the persistent cache.
          break;
      }
    }
  return files;
}
