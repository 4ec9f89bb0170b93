// Run code of the Latent Edit node, declared in ./latent-edit.ts (the editor loads the declaration alone).
import { implementNode } from '../runtime/index.ts';
import { runForFamily } from './personalize/families.ts';
import spec from './latent-edit.ts';

export default implementNode(spec, (ctx) => runForFamily('latentEdit', ctx));
