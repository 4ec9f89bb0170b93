// The evaluator a measurement scores with, and the tokenizer its text tower reads. By default each
// pack is judged by its own evaluator; `--evaluator DIR` takes another pack's, so that two packs
// (an old one and its retrained successor) are measured with one ruler. Each pack still generates
// from its own tokenizer's ids; the judge encodes captions with its own vocabulary.
import { nodeBackend } from '../../ml/session/node.ts';
import type { SessionOptions } from '../../ml/session/session.ts';
import { CLIP_KIND, clipWeightShapes, configFromArchitecture } from '../evaluator/architecture.ts';
import { ClipEmbedder } from '../evaluator/embed.ts';
import { loadPack } from '../pack/load.ts';
import { fileFetchBytes } from '../pack/write.ts';
import { Tokenizer } from '../text/tokenizer.ts';

export interface Judge {
  clip: ClipEmbedder;
  tokenizer: Tokenizer;
  /** Where it came from, for the notes of a result. */
  source: string;
}

/** The evaluator of the diffusion pack in `dir`, with that pack's tokenizer. */
export async function loadJudge(dir: string, session: SessionOptions): Promise<Judge> {
  const pack = await loadPack(fileFetchBytes(dir), { architectures: { [CLIP_KIND]: clipWeightShapes }, components: ['evaluator'] });
  const entry = pack.manifest.components.evaluator;
  if (!entry || !pack.weights.evaluator) throw new Error(`--evaluator ${dir}: that pack has no trained evaluator`);
  const clip = await ClipEmbedder.create(configFromArchitecture(entry.architecture), pack.weights.evaluator, { backend: nodeBackend, session });
  return { clip, tokenizer: new Tokenizer(pack.manifest.tokenizer), source: `the evaluator of ${dir}` };
}
