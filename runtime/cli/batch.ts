// Entry point of `npm run batch`. The first Ctrl-C cancels the batch (it still writes the table
// of what finished); a second one exits at once.
import { runBatchCli } from './batch-cli.ts';

const abort = new AbortController();
process.on('SIGINT', () => {
  if (abort.signal.aborted) process.exit(130);
  process.stderr.write('\ncancelling the batch (Ctrl-C again to quit now)\n');
  abort.abort();
});
process.exitCode = await runBatchCli(
  process.argv.slice(2),
  { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s), tty: Boolean(process.stdout.isTTY), cwd: process.cwd() },
  { signal: abort.signal },
);
