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
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
