/**
 * Structured logging for the sync engine. Fields carry account and stream names, counts and error
 * kinds only: never credentials, tokens or any other part of an account's config.
 */

/** Values a log line may carry. */
export type LogFields = Readonly<Record<string, string | number | boolean | null | undefined>>;

/** The logger the engine is given (the shell or the CLI decides where lines go). */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** Discards everything (the default: `fleetpane sync --json` keeps stdout clean). */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** Writes one JSON object per line to `write` (stderr by default). */
export function jsonLineLogger(
  write: (line: string) => void = (line) => process.stderr.write(line),
  clock: () => Date = () => new Date(),
): Logger {
  const line =
    (level: string) =>
    (message: string, fields?: LogFields): void => {
      write(`${JSON.stringify({ at: clock().toISOString(), level, message, ...fields })}\n`);
    };
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}

/** JSON lines on stderr at info level and above (per-run debug lines would drown the useful ones). */
export function stderrLogger(): Logger {
  const logger = jsonLineLogger((line) => process.stderr.write(line));
  return { ...logger, debug: () => undefined };
}
