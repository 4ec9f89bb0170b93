import { z } from 'zod';
import { defineNode, port } from '../runtime/index.ts';

export default defineNode({
  type: 'text-prompt',
  version: 1,
  title: 'Text Prompt',
  category: 'conditioning',
  description: 'A prompt typed by hand; the text the generation should follow.',
  framework: { scheme: 'generation' },
  inputs: {},
  outputs: { prompt: port.prompt() },
  params: z.object({ text: z.string().max(10_000).default('') }),
  async run({ params }) {
    return { prompt: { kind: 'prompt', text: params.text } };
  },
});
