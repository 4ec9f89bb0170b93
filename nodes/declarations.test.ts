import { describe, expect, it } from 'vitest';
import { describeNode } from '../runtime/index.ts';
import { declarations } from './declarations.ts';
import { registry } from './registry.ts';

describe('declarations', () => {
  it('are the registry’s node types without their run code', () => {
    expect(declarations.list().map((d) => d.type)).toEqual(registry.list().map((d) => d.type));
    for (const spec of declarations.list()) {
      expect(spec).not.toHaveProperty('run');
      expect(describeNode(spec)).toEqual(describeNode(registry.get(spec.type)!));
    }
  });
});
