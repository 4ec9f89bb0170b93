// Textual Inversion for the AR family: the concept becomes one new word S*. Its embedding v is the
// only trained value; the text encoder and the transformer stay frozen. Each step takes some of the
// concept's token grids, each under a template containing S*, and lowers the next-token loss of the
// grid (teacher forcing) with v standing in for S*'s row of the caption's token embeddings.
import { f32, type Tensor } from '../../ml/index.ts';
import { lookupTokens } from '../diffusion/text-encoder.ts';
import { writtenOf } from '../personalize/placeholders.ts';
import { arTrainingGraph } from './graphs.ts';
import type { ArModel } from './model.ts';
import { type ArTuneCommon, type ArTuneRun, conceptOf, drawRows, gridRows, tableRows, tune } from './tune.ts';

export async function trainArEmbedding(model: ArModel, tokens: Tensor, o: ArTuneCommon & { init?: Tensor }): Promise<{ embedding: Tensor } & ArTuneRun> {
  const c = conceptOf(model, tokens, o);
  const { maxLength: L, dim: D } = model.config.text;
  // Each template's token embeddings with the placeholder's rows zeroed, and where they are.
  const embeds = new Float32Array(c.templates.length * L * D);
  const masks = new Float32Array(c.templates.length * L);
  o.templates.forEach((t, k) => {
    embeds.set(model.promptEmbeds([t], {}, [c.slot]), k * L * D);
    for (const p of c.templates[k].positions.get(c.slot)!) {
      embeds.fill(0, (k * L + p) * D, (k * L + p + 1) * D);
      masks[k * L + p] = 1;
    }
  });
  const table = model.weights['text.token_embedding.weight'].data as Float32Array;
  const init = o.init ?? f32([1, D], lookupTokens(table, D, [model.tokenizer.id(c.slot)]));
  if (init.dtype !== 'float32' || init.data.length !== D) throw new Error(`the initial embedding for ${writtenOf(c.slot)} is ${init.dtype} [${init.shape}]; this model's words are float32 [1, ${D}]`);

  const g = arTrainingGraph(model.config, o.batch, { caption: 'token_embeds', vector: true });
  const N = model.grid.count;
  const batch = (step: number) => {
    const { grids, tpls } = drawRows(c, o, step);
    return {
      tokens: gridRows(c.tokens, grids, N),
      token_embeds: tableRows(embeds, L * D, tpls, [L, D]),
      vector_mask: tableRows(masks, L, tpls, [L, 1]),
      drop_caption: f32([o.batch, 1, 1]),
    };
  };
  const r = await tune(model, g, { vector: f32([1, D], init.data as Float32Array) }, batch, o, (v) => ({ embeddings: { [o.token]: v.vector } }));
  return { embedding: r.values.vector, losses: r.losses, stopped: r.stopped, note: r.note };
}
