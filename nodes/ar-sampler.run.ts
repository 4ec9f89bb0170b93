// Run code of the AR Sampler node, declared in ./ar-sampler.ts (the editor loads the declaration alone).
// What it does depends on the model family behind the wired reference (./personalize/families.ts).
import { implementNode } from '../runtime/index.ts';
import { runForFamily } from './personalize/families.ts';
import spec from './ar-sampler.ts';

export default implementNode(spec, (ctx) => runForFamily('tokenSampler', ctx));
