/** Exit codes of the `fleetpane` command and the one-line error that carries them (the runtime and its config reading throw it too). */

export const EXIT_OK = 0;
/** The sync ran but some stream failed (the summary says which). */
export const EXIT_FAILED = 1;
/** Bad input: usage, flags, config file. */
export const EXIT_USAGE = 2;
/** The data dir is held by another Fleetpane process. */
export const EXIT_LOCKED = 3;

/** A failure the CLI reports as one line on stderr and an exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_USAGE,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Bad usage of a command (a required flag missing, flags that exclude each other): its usage follows. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT_USAGE);
    this.name = 'UsageError';
  }
}
