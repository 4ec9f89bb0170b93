import { describe, expect, it } from 'vitest';
import { commandFor } from './shortcuts.ts';

const press = (key: string, mods: Partial<Record<'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey', boolean>> = {}) =>
  ({ key, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods }) as KeyboardEvent;

describe('shortcuts', () => {
  it('tells undo from redo', () => {
    expect(commandFor(press('z', { ctrlKey: true }), false)).toBe('undo');
    expect(commandFor(press('Z', { ctrlKey: true, shiftKey: true }), false)).toBe('redo');
    expect(commandFor(press('y', { metaKey: true }), false)).toBe('redo');
  });

  it('leaves text editing keys to a focused field', () => {
    expect(commandFor(press('Backspace'), true)).toBeUndefined();
    expect(commandFor(press('z', { ctrlKey: true }), true)).toBeUndefined();
    expect(commandFor(press('Enter', { ctrlKey: true }), true)).toBe('run');
    expect(commandFor(press('Backspace'), false)).toBe('delete');
  });
});
