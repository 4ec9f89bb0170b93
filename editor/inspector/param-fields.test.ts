import { describe, expect, it } from 'vitest';
import { testCatalog } from '../document/testing.ts';
import { fieldsOf, labelOf } from './param-fields.ts';

const form = (type: string) => Object.fromEntries(fieldsOf(testCatalog.get(type)!.params).fields.map((f) => [f.name, f]));

describe('parameter forms from zod params', () => {
  it('gives ranged numbers a slider with a sensible step', () => {
    expect(form('blend').alpha).toMatchObject({ control: 'slider', min: 0, max: 1, step: 0.001, integer: false, default: 0.5 });
    expect(form('preview').columns).toMatchObject({ control: 'slider', min: 1, max: 16, step: 1, integer: true });
  });

  it('gives seeds a randomizable field and unbounded numbers a number box', () => {
    expect(form('seed-noise').seed).toMatchObject({ control: 'seed', min: 0, max: 4294967295 });
    expect(form('resize-crop').x).toMatchObject({ control: 'number', integer: true, min: 0 });
  });

  it('maps enums, text, switches and string lists', () => {
    expect(form('blend').mode).toMatchObject({ control: 'choice', options: ['mix', 'add', 'multiply', 'screen', 'difference'] });
    expect(form('text-prompt').text).toMatchObject({ control: 'text', multiline: true });
    expect(form('save-image').prefix).toMatchObject({ control: 'text', multiline: false });
    expect(form('save-image').embedGraph).toMatchObject({ control: 'switch', label: 'Embed graph', default: true });
    expect(form('image-loader').sources).toMatchObject({ control: 'list', required: true });
  });

  it('labels names for people', () => {
    expect(labelOf('learningRate')).toBe('Learning rate');
    expect(labelOf('lora_rank')).toBe('Lora rank');
  });
});
