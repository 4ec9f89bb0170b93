// Entry point of `npm run graph`.
import { runGraphCli } from './graph-cli.ts';

// The first Ctrl-C cancels the run (queued jobs are withdrawn, running ones stopped); a second
// one exits at once.
const abort = new AbortController();
process.on('SIGINT', () => {
  if (abort.signal.aborted) process.exit(130);
  process.stderr.write('\ncancelling (Ctrl-C again to quit now)\n');
  abort.abort();
});
try {
  process.exitCode = await runGraphCli(process.argv.slice(2), {
    signal: abort.signal,
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    tty: Boolean(process.stdout.isTTY),
    cwd: process.cwd(),
  });
} catch (e) {
  // A bug of ours, not the graph's: one line for the user, the stack only when asked for.
  process.stderr.write(`graph: internal error: ${(e as Error).message}${process.env.DEBUG ? `\n${(e as Error).stack}` : ' (set DEBUG=1 for the stack)'}\n`);
  process.exitCode = 1;
}
