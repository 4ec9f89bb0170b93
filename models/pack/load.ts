// Loading a model pack: the manifest is validated, then each component's weights file is fetched,
// checked (size, sha256, safetensors header) and compared with what its architecture needs, tensor
// by tensor. Fetching is injected (fs in Node, fetch in the browser), so one loader serves both.
// Packs may come from users, so every problem is a PackError naming the component and tensor.
// A pack is of one family (manifest.ts): loadPack serves diffusion packs; other families' loaders
// (models/gan/pack.ts, models/ar/pack.ts) share readPackManifest and loadComponent, and
// readManifestFamily lets a caller choose the loader.
import { readSafetensors, type Tensor } from '../../ml/index.ts';
import { checkJsonDepth, formatBytes, LIMITS } from '../../ml/untrusted/index.ts';
import { toFloat32 } from './half.ts';
import { COMPONENTS, type ComponentEntry, type ComponentName, type DiffusionManifest, FAMILY_TITLES, type Manifest, manifestSchema, type PackFamily } from './manifest.ts';

/** Reads a file of the pack by name ('manifest.json', 'vae.safetensors'); rejects when absent. */
export type FetchBytes = (file: string) => Promise<Uint8Array>;

/** Pack files over HTTP(S) relative to the pack folder's URL (the browser's way; fetch is injectable). */
export function httpFetchBytes(baseUrl: string | URL, fetchFn: typeof fetch = fetch): FetchBytes {
  const base = new URL(baseUrl.toString().endsWith('/') ? baseUrl : `${baseUrl}/`);
  return async (file) => {
    const res = await fetchFn(new URL(file, base));
    if (!res.ok) throw new Error(`HTTP ${res.status} for ${file}`);
    return new Uint8Array(await res.arrayBuffer());
  };
}

/** The weight tensors an architecture needs, name → shape, computed from its config. */
export type TensorSpec = (architecture: ComponentEntry['architecture']) => Record<string, readonly number[]>;

export interface LoadPackOptions {
  /** Tensor specs by architecture kind ('kl-vae-v1', …); a component of an unknown kind is an error. */
  architectures: Record<string, TensorSpec>;
  /** Components to load (default: every one the manifest lists); a listed one that is absent is an error. */
  components?: readonly ComponentName[];
  /** Check sha256 of each weights file (default true; costs a hash of every byte). */
  verifyHash?: boolean;
  /** Who asks, for the error a pack of another family gives ('this node' → 'this node needs a diffusion … pack'). */
  who?: string;
}

export interface LoadedPack {
  manifest: DiffusionManifest;
  /** float32 weights (float16 files widened) by component, keyed as the graph inputs are named. */
  weights: Partial<Record<ComponentName, Record<string, Tensor>>>;
}

export class PackError extends Error {
  constructor(
    message: string,
    readonly component?: string,
    readonly tensor?: string,
  ) {
    super(`${component ? `model pack component "${component}"` : 'model pack'}${tensor ? `, tensor "${tensor}"` : ''}: ${message}`);
    this.name = 'PackError';
  }
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

export function parseManifest(bytes: Uint8Array): Manifest {
  if (bytes.byteLength > LIMITS.manifestBytes)
    throw new PackError(`manifest.json is ${formatBytes(bytes.byteLength)}, more than ${formatBytes(LIMITS.manifestBytes)} (limit manifestBytes)`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
    checkJsonDepth(json, 'manifest.json');
  } catch (e) {
    throw new PackError(e instanceof SyntaxError ? `manifest.json is not valid JSON (${e.message})` : (e as Error).message);
  }
  const family = (json as { family?: unknown } | null)?.family;
  if (typeof family !== 'string' || !Object.hasOwn(FAMILY_TITLES, family))
    throw new PackError(`manifest.json does not match the schema: family: ${JSON.stringify(family)} is not a family this app knows (${Object.keys(FAMILY_TITLES).join(', ')})`);
  const r = manifestSchema.safeParse(json);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new PackError(`manifest.json does not match the schema: ${issues}`);
  }
  return r.data;
}

/** The pack's manifest.json, read and validated (of either family). */
export async function readPackManifest(fetchBytes: FetchBytes): Promise<Manifest> {
  let manifestBytes: Uint8Array;
  try {
    manifestBytes = await fetchBytes('manifest.json');
  } catch (e) {
    throw new PackError(`cannot read manifest.json (${(e as Error).message})`);
  }
  return parseManifest(manifestBytes);
}

/** Which family a pack is (from its validated manifest): what a caller checks before choosing a loader. */
export async function readManifestFamily(fetchBytes: FetchBytes): Promise<PackFamily> {
  return (await readPackManifest(fetchBytes)).family;
}

/**
 * The manifest narrowed to one family, or a PackError that says what was needed and what was given:
 * 'this node needs a diffusion (latent-diffusion) pack; "emoji-gan" is a GAN (stylegan) pack'.
 */
export function requireFamily<F extends PackFamily>(m: Manifest, family: F, who?: string): Extract<Manifest, { family: F }> {
  const a = (title: string) => `${/^[aeiou]/i.test(title) ? 'an' : 'a'} ${title}`;
  const need = who ? `${who} needs ${a(FAMILY_TITLES[family])} pack` : `${a(FAMILY_TITLES[family])} pack is needed here`;
  if (m.family !== family) throw new PackError(`${need}; "${m.name}" is ${a(FAMILY_TITLES[m.family])} pack`);
  return m as Extract<Manifest, { family: F }>;
}

/** Loads a diffusion pack (a pack of another family is a PackError that says so). */
export async function loadPack(fetchBytes: FetchBytes, opts: LoadPackOptions): Promise<LoadedPack> {
  const manifest = requireFamily(await readPackManifest(fetchBytes), 'latent-diffusion', opts.who);
  const wanted = opts.components ?? COMPONENTS.filter((c) => manifest.components[c]);
  const weights: LoadedPack['weights'] = {};
  for (const name of wanted) {
    const entry = manifest.components[name];
    if (!entry) throw new PackError('is not in this pack', name);
    weights[name] = await loadComponent(fetchBytes, name, entry, opts);
  }
  return { manifest, weights };
}

/**
 * One component's weights, checked: size, sha256, safetensors, and every tensor's name, dtype and
 * shape against what its architecture (looked up by kind in `opts.architectures`) needs.
 */
export async function loadComponent(
  fetchBytes: FetchBytes,
  name: string,
  entry: ComponentEntry,
  opts: Pick<LoadPackOptions, 'architectures' | 'verifyHash'>,
): Promise<Record<string, Tensor>> {
  // Own properties only: a kind named "constructor" or "__proto__" is no architecture.
  const kind = entry.architecture.kind;
  const spec = Object.hasOwn(opts.architectures, kind) ? opts.architectures[kind] : undefined;
  if (!spec) throw new PackError(`architecture kind "${kind}" is not known to this app`, name);
  let bytes: Uint8Array;
  try {
    bytes = await fetchBytes(entry.weights);
  } catch (e) {
    throw new PackError(`weights file ${entry.weights} cannot be read (${(e as Error).message})`, name);
  }
  if (bytes.byteLength !== entry.bytes) throw new PackError(`weights file ${entry.weights} has ${bytes.byteLength} bytes, the manifest says ${entry.bytes}`, name);
  if ((opts.verifyHash ?? true) && (await sha256Hex(bytes)) !== entry.sha256)
    throw new PackError(`weights file ${entry.weights} does not match its sha256 (corrupt or replaced)`, name);
  let tensors: Record<string, Tensor>;
  try {
    tensors = readSafetensors(bytes).tensors;
  } catch (e) {
    throw new PackError(`weights file ${entry.weights} is not valid safetensors (${(e as Error).message})`, name);
  }
  // The architecture is built (which allocates its initial weights) only once the file it must
  // match has been read and checked, and its config is bounded by the architecture's schema.
  let expected: Record<string, readonly number[]>;
  try {
    expected = spec(entry.architecture);
  } catch (e) {
    const issues = (e as { issues?: { path: PropertyKey[]; message: string }[] }).issues;
    const why = issues ? issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ') : (e as Error).message;
    throw new PackError(`architecture config is invalid (${why})`, name);
  }
  const out: Record<string, Tensor> = {};
  let count = 0;
  for (const [t, shape] of Object.entries(expected)) {
    const w = Object.hasOwn(tensors, t) ? tensors[t] : undefined;
    if (!w) throw new PackError(`missing from ${entry.weights}`, name, t);
    if (w.dtype !== entry.dtype) throw new PackError(`is ${w.dtype}, the manifest says ${entry.dtype}`, name, t);
    if (w.shape.length !== shape.length || w.shape.some((d, i) => d !== shape[i]))
      throw new PackError(`has shape [${w.shape}], the architecture needs [${shape}]`, name, t);
    out[t] = toFloat32(w);
    count += w.data.length;
  }
  const extra = Object.keys(tensors).filter((t) => !Object.hasOwn(expected, t));
  if (extra.length) throw new PackError(`is in ${entry.weights} but not in the architecture`, name, extra[0]);
  if (count !== entry.parameters) throw new PackError(`has ${count} parameters, the manifest says ${entry.parameters}`, name);
  return out;
}
