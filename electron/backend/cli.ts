/**
 * The `fleetpane` command: sync, overview, serve (report and import-focus come later). bin/fleetpane.js
 * loads this file through tsx and calls main().
 */
import { runCommand, type CliIo } from './cli/commands';

export { COMMANDS, runCommand, usage, type CliIo, type Command } from './cli/commands';
export { EXIT_FAILED, EXIT_LOCKED, EXIT_OK, EXIT_USAGE, CliError } from './runtime/errors';

/** Process streams, with stdout writes awaited so piped JSON is complete before exit. */
export function processIo(): CliIo {
  return {
    out: (text) =>
      new Promise<void>((resolve, reject) => {
        process.stdout.write(text, (error) => (error ? reject(error) : resolve()));
      }),
    err: (line) => {
      process.stderr.write(`${line}\n`);
    },
    stopSignal: () =>
      new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      }),
  };
}

/** Runs the command line and returns the exit code. */
export function main(argv: readonly string[] = process.argv.slice(2)): Promise<number> {
  return runCommand(argv, processIo());
}
