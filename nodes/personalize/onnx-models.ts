// The per-worker cache of imported ONNX models (ONNX Model node), keyed by source and batch size,
// and the family a model reference stands for when it names one: the optimization nodes ask here
// and get an OptimizableModel, or null for a diffusion pack (which they handle themselves).
import { externalFromFiles, modelExternalFiles } from '../../ml/index.ts';
import { OnnxFamily } from '../../models/onnx/family.ts';
import { ImportedModel } from '../../models/onnx/imported-model.ts';
import type { ModelRef, Platform } from '../../runtime/index.ts';
import type { OnnxPortList } from './onnx-ports.ts';

const models = new Map<string, Promise<ImportedModel>>();

/** A file named relative to the model's own location (its folder, for a path or a URL). */
function beside(source: string, name: string): string {
  const cut = source.lastIndexOf('/');
  return cut < 0 ? name : `${source.slice(0, cut + 1)}${name}`;
}

export function importedModel(source: string, batch: number, platform: Platform, signal: AbortSignal): Promise<ImportedModel> {
  const key = `${batch}:${source}`;
  let m = models.get(key);
  if (!m) {
    const backend = platform.backend;
    if (!backend) throw new Error('this host has no ONNX runtime to run models with');
    m = (async () => {
      try {
        const bytes = await platform.readSource(source, signal);
        // Weights kept beside the model are fetched by name first: the importer reads synchronously.
        const files = new Map<string, Uint8Array>();
        for (const f of modelExternalFiles(bytes)) files.set(f, await platform.readSource(beside(source, f), signal));
        const name = source.split('/').pop()!.replace(/\.onnx$/i, '') || 'model';
        return ImportedModel.fromBytes(bytes, { backend, batch, name, external: files.size ? externalFromFiles(files) : undefined });
      } catch (e) {
        // Name the file: a fetch's "not found" alone does not say which.
        const message = e instanceof Error ? e.message : String(e);
        if (signal.aborted || message.includes(source)) throw e;
        throw new Error(`ONNX model ${source}: ${message}`);
      }
    })();
    models.set(key, m);
    // A failed load is not cached: fixing the file and running again must work.
    m.catch(() => models.delete(key));
  }
  return m;
}

/** The optimizable family a reference names (an imported ONNX model), or null for a pack. */
export async function optimizableFor(ref: ModelRef, platform: Platform, signal: AbortSignal): Promise<OnnxFamily | null> {
  const o = ref.onnx;
  if (!o) return null;
  const model = await importedModel(o.source, o.batch, platform, signal);
  return new OnnxFamily(model, { input: o.input, output: o.output, range: o.range, weights: o.weights, inputValue: o.value, source: o.source });
}

/** A model's inputs and outputs as an ONNX Model node records them (its ports). */
export function onnxPortList(model: ImportedModel): OnnxPortList {
  const info = (p: { name: string; dtype: string; shape: readonly number[] }) => ({ name: p.name, dtype: p.dtype, shape: [...p.shape] });
  return { inputs: model.inputs.map(info), outputs: model.outputs.map(info) };
}

/** The ports of the file at `source`, read with the same loader (and cache) a run uses. */
export async function readOnnxPorts(source: string, batch: number, platform: Platform, signal: AbortSignal): Promise<OnnxPortList> {
  return onnxPortList(await importedModel(source, batch, platform, signal));
}
