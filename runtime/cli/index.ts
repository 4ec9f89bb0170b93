// The headless CLI, for tests and for scripts that drive it in-process.
export { runGraphCli, type CliIo } from './graph-cli.ts';
export { applySets, EXIT, GRAPH_HELP, parseGraphArgs, parseSet, UsageError, type GraphArgs, type ParamSet } from './args.ts';
export { plannedFiles, type PlannedFile } from './outputs.ts';
export { bar, eventJson, summaryLine, textReporter } from './report.ts';
