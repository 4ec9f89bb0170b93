// Entry point of `npm run graph`.
import { runGraphCli } from './graph-cli.ts';

process.exitCode = await runGraphCli(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  tty: Boolean(process.stdout.isTTY),
  cwd: process.cwd(),
});
