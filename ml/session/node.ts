// onnxruntime-node: native CPU kernels, for Node (CLI, tests, benchmarks, training).
import * as ort from 'onnxruntime-node';
import { ortBackend, type OrtLike } from './session.ts';

export const nodeBackend = ortBackend('onnxruntime-node', ort as unknown as OrtLike);
