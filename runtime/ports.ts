// Typed ports. A port is a kind (what travels on the wire) plus two flags: `isList` (many edges
// may end here and the node receives an array in edge order) and `isOptional`.
import { z } from 'zod';

export const PORT_KINDS = [
  'image',
  'latent',
  'embedding',
  'model',
  'lora',
  'prompt',
  'scalar',
  'series',
  'metrics',
  'files',
] as const;

export const PortKindSchema = z.enum(PORT_KINDS);
export type PortKind = z.infer<typeof PortKindSchema>;

export class PortSpec<K extends PortKind = PortKind, L extends boolean = boolean, O extends boolean = boolean> {
  constructor(
    readonly kind: K,
    readonly isList: L,
    readonly isOptional: O,
  ) {}
  /** Accept many edges; the node receives their values as an array in edge order. */
  list(): PortSpec<K, true, O> {
    return new PortSpec(this.kind, true, this.isOptional);
  }
  optional(): PortSpec<K, L, true> {
    return new PortSpec(this.kind, this.isList, true);
  }
}

export const port = Object.fromEntries(PORT_KINDS.map((k) => [k, () => new PortSpec(k, false, false)])) as {
  [K in PortKind]: () => PortSpec<K, false, false>;
};

/** Whether an output of kind `from` may be wired into an input of kind `to`. */
export const portsConnect = (from: PortKind, to: PortKind) => from === to;
