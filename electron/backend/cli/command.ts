/** The shape of one `fleetpane` command (an entry of COMMANDS in commands.ts) and where it writes. */
import type { ParseArgsConfig } from 'node:util';

/** Where a command writes; tests and the bin shim pass process streams. */
export interface CliIo {
  out(text: string): Promise<void>;
  err(line: string): void;
  /** Resolves when the user asks a long-running command (serve) to stop. */
  stopSignal(): Promise<void>;
}

export type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | undefined>;

/** One flag of a command's help: how it is written ("--data-dir DIR") and what it does. */
export type FlagHelp = readonly [flag: string, text: string];

export interface Command {
  usage: string;
  /** One sentence for `fleetpane help`. */
  summary: string;
  /** Every flag, each on its own line in `fleetpane COMMAND --help`. */
  flags: readonly FlagHelp[];
  options: Options;
  allowPositionals?: boolean;
  run(values: Values, positionals: string[], io: CliIo): Promise<number>;
}
