// A tiny nn.Module: a constructor declares weights (graph inputs) under a dotted path; forward()
// emits ONNX nodes. Because weights exist before forward runs, a module can be swapped for a wrapper
// between construction and forward (that is how injectLora adds adapters, like PEFT does).
import type { Value } from '../builder.ts';
import type { Tensor } from '../tensor.ts';
import { joinPath, Params } from './params.ts';

export type Parent = Params | Module;

/**
 * Something a layer adds to its own output, computed from the layer's input (a LoRA branch).
 * Layers hold an adapter rather than being replaced by a wrapper class, so a field typed `Linear`
 * stays a Linear after adaptation and models need no special typing.
 */
export interface Adapter {
  delta(x: Value): Value;
}

export abstract class Module {
  readonly p: Params;
  /** Full dotted path ('enc.conv1'); weight names are `${path}.${local}`. */
  readonly path: string;
  /** Name within the parent; also the builder scope of the nodes forward() emits. */
  readonly name: string;

  constructor(parent: Parent, name: string) {
    if (name.includes('/')) throw new Error(`module name "${name}" may not contain "/"`);
    this.name = name;
    if (parent instanceof Module) {
      this.p = parent.p;
      this.path = joinPath(parent.path, name);
    } else {
      this.p = parent;
      this.path = joinPath(parent.prefix, name);
    }
  }

  get b() {
    return this.p.b;
  }

  /** Declares a weight of this module. */
  protected param(local: string, init: Tensor, tags: readonly string[] = []): Value {
    return this.p.add(joinPath(this.path, local), init, tags);
  }

  /** Runs fn with node names scoped under this module's name (nested when called from a parent's forward). */
  protected scoped<T>(fn: () => T): T {
    return this.name ? this.b.scope(this.name, fn) : fn();
  }

  /** Direct child modules, found on own fields (and arrays of modules), in field order. */
  children(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const [k, v] of Object.entries(this)) {
      if (k === 'p') continue;
      if (v instanceof Module) out.push([k, v]);
      else if (Array.isArray(v)) v.forEach((m, i) => m instanceof Module && out.push([`${k}.${i}`, m]));
    }
    return out;
  }
}
