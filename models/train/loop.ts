// The training loop every model's trainer shares: set the lr from the schedule, run a step, log
// the loss (JSONL), report progress, checkpoint every K steps, and on abort (SIGINT) checkpoint
// and return. Resuming is `startRun` (load and check the checkpoint) + this loop from its step.
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Optimizer, Schedule, Tensor, Trainer } from '../../ml/index.ts';
import { type Checkpoint, hasCheckpoint, loadCheckpoint, saveCheckpoint, settingsDiff } from './checkpoint.ts';
import type { TrainOptions, TrainResult } from './options.ts';
import { Ema, ProgressReporter } from './progress.ts';

export const LOSS_LOG = 'loss.jsonl';

export interface RunStart {
  /** This model's checkpoint folder. */
  dir: string;
  /** The checkpoint to continue from (null for a fresh run). */
  checkpoint: Checkpoint | null;
}

/**
 * Opens a run: with --resume, loads the checkpoint and refuses one made with other settings.
 * Without it the run starts from scratch: the loss log is emptied and the first checkpoint replaces
 * the old one (said out loud, since that discards the old run).
 */
export function startRun(model: string, opts: TrainOptions, settings: Record<string, unknown>): RunStart {
  const dir = join(opts.checkpoints, model);
  mkdirSync(dir, { recursive: true });
  const log = join(dir, LOSS_LOG);
  if (!opts.resume || !hasCheckpoint(dir)) {
    if (!opts.resume && hasCheckpoint(dir)) (opts.log ?? console.error)(`[${model}] starting from scratch; the checkpoint in ${dir} will be replaced`);
    if (opts.resume) (opts.log ?? console.error)(`[${model}] no checkpoint in ${dir}; starting from scratch`);
    writeFileSync(log, '');
    return { dir, checkpoint: null };
  }
  const checkpoint = loadCheckpoint(dir);
  const diff = settingsDiff(checkpoint.state.settings, settings);
  if (diff.length) throw new Error(`[${model}] the checkpoint in ${dir} was made with other settings:\n  ${diff.join('\n  ')}`);
  // Steps after the checkpoint will be done again; their old log lines go.
  if (existsSync(log)) {
    const keep = readFileSync(log, 'utf8')
      .split('\n')
      .filter((l) => l && (JSON.parse(l) as { step: number }).step <= checkpoint.state.step);
    writeFileSync(log, keep.map((l) => `${l}\n`).join(''));
  }
  return { dir, checkpoint };
}

export interface LoopOptions {
  model: string;
  run: RunStart;
  trainer: Trainer;
  optimizer: Optimizer;
  schedule: Schedule;
  totalSteps: number;
  seed: number;
  settings: Record<string, unknown>;
  /** The non-weight feeds of step `step` (a pure function of the step: see batches.ts); may arrive asynchronously. */
  batch: (step: number) => Record<string, Tensor> | Promise<Record<string, Tensor>>;
  checkpointEvery: number;
  opts: TrainOptions;
  /** Extra numbers for the loss log at each checkpoint (e.g. a held-out PSNR). */
  evaluate?: (trainer: Trainer) => Promise<Record<string, number>>;
}

export async function trainLoop(o: LoopOptions): Promise<TrainResult> {
  const { model, run, trainer, optimizer, totalSteps } = o;
  const log = o.opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const prior = run.checkpoint?.state;
  let step = prior?.step ?? 0;
  const ema = new Ema(0.98, prior?.lossEma ?? null);
  const recent: number[] = [];
  const t0 = performance.now();
  const wall = () => (prior?.wallTimeSeconds ?? 0) + (performance.now() - t0) / 1000;
  const progress = new ProgressReporter(log, o.opts.smoke ? 0 : 10_000);
  const logFile = join(run.dir, LOSS_LOG);

  const checkpoint = async () => {
    saveCheckpoint(run.dir, {
      state: { model, step, totalSteps, seed: o.seed, wallTimeSeconds: wall(), lossEma: ema.value, settings: o.settings, savedAt: new Date().toISOString() },
      params: trainer.params,
      optimizer: optimizer.state(),
    });
    const extra = o.evaluate ? await o.evaluate(trainer) : {};
    appendFileSync(logFile, `${JSON.stringify({ step, checkpoint: true, wallTimeSeconds: +wall().toFixed(1), ...extra })}\n`);
    if (Object.keys(extra).length) log(`[${model}] step ${step}: ${Object.entries(extra).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ')}`);
  };

  log(`[${model}] ${prior ? `resuming at step ${step}` : 'starting'} of ${totalSteps}; checkpoints in ${run.dir}`);
  while (step < totalSteps && !o.opts.signal?.aborted) {
    optimizer.lr = o.schedule(step);
    const loss = await trainer.step(await o.batch(step));
    step++;
    ema.push(loss);
    recent.push(loss);
    if (recent.length > 50) recent.shift();
    // An optimizer that clips reports the norm it saw: worth a column when a run diverges.
    const gradNorm = (optimizer as { lastGradNorm?: number }).lastGradNorm;
    appendFileSync(logFile, `${JSON.stringify({ step, loss, lr: optimizer.lr, ...(gradNorm === undefined ? {} : { gradNorm }), t: +wall().toFixed(2) })}\n`);
    progress.update({ model, step, total: totalSteps, lossEma: ema.value });
    if (step % o.checkpointEvery === 0 || step === totalSteps) await checkpoint();
  }
  const interrupted = step < totalSteps;
  if (interrupted) {
    await checkpoint();
    log(`[${model}] stopped at step ${step}; checkpoint written, continue with --resume`);
  }
  return { step, totalSteps, interrupted, recentLoss: recent.reduce((a, b) => a + b, 0) / Math.max(1, recent.length), wallTimeSeconds: wall() };
}
