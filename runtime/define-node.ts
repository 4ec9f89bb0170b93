// Node declarations: ports, zod params with defaults, flags, and `run`. `declareNode` checks and
// types what a node is; `implementNode` pairs that with what it does. The two live in separate
// modules so a host that never runs nodes (the editor's main thread) loads no run code; the
// registry, validation, cache keys and the editor read the declaration alone. `defineNode`
// does both at once, for nodes declared where they run (tests).
import { z } from 'zod';
import type { GraphDoc } from './document/schema.ts';
import type { Platform, RgbaImage } from './platform.ts';
import { portsOf } from './node-ports.ts';
import type { PortKind, PortSpec } from './ports.ts';
import type { NodeOutputs, PortValues } from './values.ts';

export type PortMap = Record<string, PortSpec>;

type InputValue<P> =
  P extends PortSpec<infer K, infer L, infer O>
    ? L extends true
      ? PortValues[K][]
      : O extends true
        ? PortValues[K] | undefined
        : PortValues[K]
    : never;

export type InputValues<I extends PortMap> = { [N in keyof I]: InputValue<I[N]> };
export type OutputValues<O extends PortMap> = { [N in keyof O]: O[N] extends PortSpec<infer K> ? PortValues[K] : never };

export interface NodeFlags {
  /** Same inputs and params, same outputs. False means the node never hits the cache. */
  deterministic: boolean;
  /** Outputs are costly to recompute (optimized latents, embeddings, LoRA weights): persist them. */
  expensive: boolean;
  /** A result the host presents or writes (preview, saved file); run by default. */
  output: boolean;
  /** Reads the whole graph document (to embed it), so the document is part of its cache key. */
  usesDocument: boolean;
}

export interface RunContext<I extends PortMap, P> {
  inputs: InputValues<I>;
  params: P;
  signal: AbortSignal;
  /** Progress as `value` of `max`; cheap to call often, hosts throttle. */
  progress(value: number, max: number): void;
  /** A small picture of work in progress. */
  preview(image: RgbaImage): void;
  platform: Platform;
  /** The graph being run; present only for nodes flagged `usesDocument`. */
  document?: GraphDoc;
}

/** Which of the survey's three choices a node stands for, shown to learners. */
export interface FrameworkTags {
  family?: 'gan' | 'diffusion' | 'autoregressive' | 'any';
  space?: string;
  method?: string;
  scheme?: string;
  /** Alternatives (`a / b`) chosen by a wire rather than a param: input port → alternative. */
  wiredMeans?: Record<string, string>;
  /** A family named by a param's value (a Model Loader's built-in packs): param → value → family. */
  familyFrom?: { param: string; values: Record<string, Exclude<FrameworkTags['family'], undefined>> };
}

/** What a node is: everything but its run code. */
export interface NodeSpecDeclaration<I extends PortMap, O extends PortMap, S extends z.ZodObject> {
  type: string;
  version: number;
  title: string;
  category: string;
  description?: string;
  framework?: FrameworkTags;
  inputs: I;
  outputs: O;
  params: S;
  flags?: Partial<NodeFlags>;
  /**
   * Ports that depend on the params (a model file's own inputs and outputs, recorded in the
   * params): undefined keeps the declared `inputs`/`outputs`, which also serve the palette.
   * Pure and cheap: it runs wherever ports are read (validation, keys, the canvas).
   */
  dynamicPorts?: (params: z.output<S>) => DynamicPorts | undefined;
}

/** What a `dynamicPorts` hook returns: the node's ports, and where they came from (for errors). */
export interface DynamicPorts {
  inputs: PortMap;
  outputs: PortMap;
  from: string;
}

export type RunFunction<I extends PortMap, O extends PortMap, S extends z.ZodObject> = (ctx: RunContext<I, z.output<S>>) => Promise<OutputValues<O>>;

/**
 * What a node reads about its params without running (an ONNX model file's inputs and outputs,
 * which the editor records as the node's ports). Runs where nodes run (a worker), since it may
 * need the engine; its result must be structured-cloneable.
 */
export type DescribeFunction<S extends z.ZodObject> = (params: z.output<S>, platform: Platform, signal: AbortSignal) => Promise<unknown>;

/** Run code beside `run` that some nodes have. */
export interface NodeExtras<S extends z.ZodObject> {
  describe?: DescribeFunction<S>;
}

export interface NodeDeclaration<I extends PortMap, O extends PortMap, S extends z.ZodObject> extends NodeSpecDeclaration<I, O, S> {
  run: RunFunction<I, O, S>;
}

/** A checked declaration, its port and param types kept so `implementNode` can type `run`. */
export interface NodeSpec<I extends PortMap = PortMap, O extends PortMap = PortMap, S extends z.ZodObject = z.ZodObject>
  extends NodeSpecDeclaration<I, O, S> {
  flags: NodeFlags;
}

export interface NodeDef<I extends PortMap = PortMap, O extends PortMap = PortMap, S extends z.ZodObject = z.ZodObject>
  extends NodeSpec<I, O, S> {
  run: RunFunction<I, O, S>;
}

/** A node declaration with its port and param types erased, as registries hold them. */
export interface AnyNodeSpec {
  type: string;
  version: number;
  title: string;
  category: string;
  description?: string;
  framework?: FrameworkTags;
  inputs: PortMap;
  outputs: PortMap;
  params: z.ZodObject;
  flags: NodeFlags;
  // Method syntax: a declaration's hook takes its own params type.
  dynamicPorts?(params: Record<string, unknown>): DynamicPorts | undefined;
}

/** A declaration with its run code. */
export interface AnyNodeDef extends AnyNodeSpec {
  run(ctx: RunContext<PortMap, Record<string, unknown>>): Promise<NodeOutputs>;
  describe?(params: Record<string, unknown>, platform: Platform, signal: AbortSignal): Promise<unknown>;
}

const TYPE_PATTERN = /^[a-z][a-z0-9-]*(\/[a-z0-9-]+)*$/;

export function declareNode<I extends PortMap, O extends PortMap, S extends z.ZodObject>(decl: NodeSpecDeclaration<I, O, S>): NodeSpec<I, O, S> {
  if (!TYPE_PATTERN.test(decl.type)) throw new Error(`node type "${decl.type}" must be kebab-case`);
  if (!Number.isInteger(decl.version) || decl.version < 1) throw new Error(`node ${decl.type}: version must be a positive integer`);
  for (const [name, spec] of Object.entries(decl.outputs))
    if (spec.isList || spec.isOptional) throw new Error(`node ${decl.type}: output ${name} cannot be a list or optional`);
  const flags: NodeFlags = { deterministic: true, expensive: false, output: false, usesDocument: false, ...decl.flags };
  return { ...decl, flags };
}

/** The declaration with its run code (and `describe`, if it has one); shares the declaration's ports and params objects. */
export function implementNode<I extends PortMap, O extends PortMap, S extends z.ZodObject>(
  spec: NodeSpec<I, O, S>,
  run: RunFunction<I, O, S>,
  extras: NodeExtras<S> = {},
): AnyNodeDef {
  return { ...spec, run, ...(extras.describe ? { describe: extras.describe } : {}) } as unknown as AnyNodeDef;
}

export function defineNode<I extends PortMap, O extends PortMap, S extends z.ZodObject>(decl: NodeDeclaration<I, O, S>): AnyNodeDef {
  const { run, ...spec } = decl;
  return implementNode(declareNode(spec), run);
}

/** Default params of a node type, as a new node in the editor gets them (required ones left out). */
export function defaultParams(def: AnyNodeSpec): Record<string, unknown> {
  const r = def.params.safeParse({});
  if (r.success) return r.data as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(def.params.shape)) {
    const one = (s as z.ZodType).safeParse(undefined);
    if (one.success && one.data !== undefined) out[k] = one.data;
  }
  return out;
}

/** The kind of a node's output, read through its ports for these params. */
export const outputKind = (def: AnyNodeSpec, name: string, params?: Readonly<Record<string, unknown>>): PortKind | undefined => {
  const outputs = portsOf(def, params).outputs;
  return Object.hasOwn(outputs, name) ? outputs[name].kind : undefined;
};
