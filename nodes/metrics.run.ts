// Run code of the Metrics node, declared in ./metrics.ts (the editor loads the declaration alone).
// The scores come from the evaluator of the wired model's pack, whatever its family.
import { implementNode } from '../runtime/index.ts';
import { runForFamily } from './personalize/families.ts';
import spec from './metrics.ts';

export default implementNode(spec, (ctx) => runForFamily('metrics', ctx));
