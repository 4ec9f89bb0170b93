// Run code of the Encoder Inversion node, declared in ./encoder-inversion.ts (the editor loads the declaration alone).
// What it does depends on the model family behind the wired reference (./personalize/families.ts).
import { implementNode } from '../runtime/index.ts';
import { runForFamily } from './personalize/families.ts';
import spec from './encoder-inversion.ts';

export default implementNode(spec, (ctx) => runForFamily('encoderInversion', ctx));
