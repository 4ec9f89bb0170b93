// Entry point of `npm run worker`.
import { startWorkerCli } from './worker-cli.ts';

const io = {
  stdout: (s: string) => process.stdout.write(s),
  stderr: (s: string) => process.stderr.write(s),
  tty: Boolean(process.stdout.isTTY),
  cwd: process.cwd(),
};
const started = await startWorkerCli(process.argv.slice(2), io);
if (typeof started === 'number') process.exitCode = started;
else {
  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(130);
    stopping = true;
    io.stdout('stopping after the running jobs (again to stop now)\n');
    void started.close().then(() => process.exit(0));
    // Closing talks to Redis; if it is gone, do not hang (the running jobs' locks expire and
    // other workers take them up).
    setTimeout(() => {
      io.stderr('could not close cleanly in 30 s (is Redis reachable?); exiting\n');
      process.exit(1);
    }, 30_000).unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
