// Entry point of `npm run graph`.
import { runGraphCli } from './graph-cli.ts';

try {
  process.exitCode = await runGraphCli(process.argv.slice(2), {
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
