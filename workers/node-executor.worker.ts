// worker_threads entry: one node executor exposed over comlink. The registry module can be
// swapped through workerData (tests add fault-injection nodes); by default it is the app's.
import { expose } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { parentPort, workerData } from 'node:worker_threads';
import { nodePlatform } from '../runtime/node/index.ts';
import type { AnyNodeDef, Registry } from '../runtime/index.ts';
import { createExecutorApi } from '../runtime/worker-api.ts';

const data = (workerData ?? {}) as { registryModule?: string; baseDir?: string };
const mod = (await import(data.registryModule ?? '../nodes/registry.ts')) as { registry: Registry<AnyNodeDef> };
if (!parentPort) throw new Error('node-executor.worker.ts must run in a worker thread');
expose(createExecutorApi(mod.registry, nodePlatform(data.baseDir)), nodeEndpoint(parentPort));
