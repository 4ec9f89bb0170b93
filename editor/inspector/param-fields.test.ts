import { describe, expect, it } from 'vitest';
import { testCatalog } from '../document/testing.ts';
import { applies, fieldsOf, labelOf, withNames } from './param-fields.ts';

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

  it('edits a token mask on the grid wired into the input it names, shown only when that input is wired', () => {
    const masked = form('ar-sampler').masked;
    expect(masked).toMatchObject({ control: 'token-mask', input: 'tokens', default: [] });
    expect(applies(masked.appliesWhen, {}, new Set())).toBe(false);
    expect(applies(masked.appliesWhen, {}, new Set(['tokens']))).toBe(true);
  });

  it('maps enums, text, switches and string lists', () => {
    expect(form('blend').mode).toMatchObject({ control: 'choice', options: ['mix', 'add', 'multiply', 'screen', 'difference'] });
    expect(form('text-prompt').text).toMatchObject({ control: 'text', multiline: true });
    expect(form('save-image').prefix).toMatchObject({ control: 'text', multiline: false });
    expect(form('save-image').embedGraph).toMatchObject({ control: 'switch', label: 'Embed the graph', default: true });
    expect(form('image-loader').sources).toMatchObject({ control: 'list', required: true });
  });

  it('gives every field of every node a human label and a one-line help from its schema', () => {
    for (const info of testCatalog.list)
      for (const f of fieldsOf(info.params).fields) {
        const schema = (info.params as { properties: Record<string, { title?: string }> }).properties[f.name];
        expect(schema.title, `${info.type}.${f.name} has a title`).toBe(f.label);
        expect(f.help?.length ?? 0, `${info.type}.${f.name} help`).toBeGreaterThan(10);
        expect(f.help, `${info.type}.${f.name} help is one line`).not.toMatch(/\n/);
      }
    expect(form('latent-optimizer').lr.label).toBe('Learning rate');
    expect(form('latent-optimizer').ddimSteps.label).toBe('DDIM steps');
  });

  it('hides what does not apply: η only with DDIM, prior settings only with prior images, strength only with a latent wired', () => {
    const sampler = form('sampler');
    expect(applies(sampler.eta.appliesWhen, { sampler: 'dpm++2m' }, new Set())).toBe(false);
    expect(applies(sampler.eta.appliesWhen, { sampler: 'ddim' }, new Set())).toBe(true);
    expect(applies(sampler.strength.appliesWhen, {}, new Set(['prompt']))).toBe(false);
    expect(applies(sampler.strength.appliesWhen, {}, new Set(['latent']))).toBe(true);
    const lora = form('lora-trainer');
    expect(applies(lora.classPrompt.appliesWhen, { priorImages: 0 }, new Set())).toBe(false);
    expect(applies(lora.classPrompt.appliesWhen, { priorImages: 4 }, new Set())).toBe(true);
    // Every rule names a param the node has or a port it takes, so none hides a field for good.
    for (const info of testCatalog.list)
      for (const f of fieldsOf(info.params).fields)
        for (const key of Object.keys(f.appliesWhen ?? {}))
          expect(key.startsWith('input:') ? key.slice(6) in info.inputs : key in info.defaults, `${info.type}.${f.name} → ${key}`).toBe(true);
  });

  it('labels names for people', () => {
    expect(labelOf('learningRate')).toBe('Learning rate');
    expect(labelOf('lora_rank')).toBe('Lora rank');
  });
});

describe('fields the app writes', () => {
  it('has no field for a read-only param (an ONNX Model\'s recorded ports)', () => {
    expect(Object.keys(form('onnx-model'))).not.toContain('ports');
    expect(Object.keys(form('onnx-model'))).toContain('source');
  });

  it('offers an ONNX Model\'s recorded port names for its model input and output, free text while none are recorded', () => {
    const { input, output } = form('onnx-model');
    expect(withNames(input, { source: 'a.onnx' })).toBe(input);
    expect(input).toMatchObject({ control: 'text', namesFrom: 'ports.inputs' });
    const ports = { inputs: [{ name: 'z', dtype: 'float32', shape: [1, 8] }, { name: 'class', dtype: 'int64', shape: [1] }], outputs: [{ name: 'image', dtype: 'float32', shape: [1, 3, 8, 8] }] };
    expect(withNames(input, { source: 'a.onnx', ports })).toMatchObject({ control: 'choice', options: ['', 'z', 'class'], labels: ['the first (z)', 'z', 'class'], label: input.label });
    expect(withNames(output, { source: 'a.onnx', ports })).toMatchObject({ control: 'choice', options: ['', 'image'] });
    // A chosen name the file no longer has stays choosable, marked.
    expect(withNames(output, { source: 'a.onnx', ports, output: 'logits' })).toMatchObject({ options: ['', 'image', 'logits'], labels: ['the first (image)', 'image', 'logits (not in the file)'] });
  });
});
