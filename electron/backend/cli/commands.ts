/**
 * The `fleetpane` commands (ARCHITECTURE.md fixes their names and flags). Each command is one entry
 * in COMMANDS: its usage line, its flags and its run function; adding a command is adding an entry.
 */
import { homedir } from 'node:os';
import { mkdirSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { FleetFilter } from '../../../shared/contract';
import { IsoTime } from '../../../shared/domain';
import { formatMoney, formatPercent } from '../../../shared/format';
import { Overview } from '../../../shared/overview';
import type { ServeWrites } from '../api/index';
import { importFocusWithEvents } from '../api/spend-handlers';
import { importAccountRefusal } from '../api/imported-accounts';
import { DEFAULT_FOCUS_UPLOAD_BYTES, DEFAULT_FOCUS_UPLOAD_ROWS, generateToken, startServer } from '../server/index';
import { SyncSummary } from '../sync/summary';
import { stderrLogger } from '../sync/logger';
import { packageVersion } from './version';
import {
  CliError,
  configFileInUse,
  DEMO_CONFIG,
  defaultStoreDir,
  demoConfig,
  EXIT_FAILED,
  EXIT_OK,
  EXIT_USAGE,
  loadConfigFile,
  prepareDataDir,
  preflightConfigFile,
  resolveConfig,
  resolveDataDir,
  startRuntime,
  UsageError,
  type LoadedConfig,
  type RuntimeAccountsOptions,
} from '../runtime/index';
import { ambientCredentialFiles, type SecretAccessPolicy } from '../accounts/secret-access';
import type { CliIo, Command, Values } from './command';
import { IMPORT_FOCUS_COMMAND, REPORT_COMMAND } from './spend-commands';
import { cliPdfPrinter, rendererDir } from './chromium-printer';

export type { CliIo, Command, FlagHelp } from './command';

const dataDirOption = { 'data-dir': { type: 'string' } } as const;

/** Sync wiring: the registry and the engine (a provider's SDK loads only with its first account's connector). */
const loadSyncWiring = () => import('../sync/wiring');

/** How long serve may take to stop in order before it exits anyway (sync runs get 10 s of it). */
const SERVE_STOP_LIMIT_MS = 25_000;

/** Label printed whenever the simulated fleet is in use, so no one mistakes it for theirs. */
const DEMO_LABEL = 'using the DEMO fleet (simulated data, not your clouds)';

function stringValue(values: Values, key: string): string | undefined {
  const value = values[key];
  return typeof value === 'string' ? value : undefined;
}

/** serve's port when --port is not given (0 would pick a free one). */
export const DEFAULT_SERVE_PORT = 4780;

export const COMMANDS: Readonly<Record<string, Command>> = {
  sync: {
    usage: 'fleetpane sync --config FILE --data-dir DIR [--json]',
    summary: 'One full sync of every enabled account (inventory, metrics, costs, incidents), then exit.',
    flags: [
      ['--config FILE', 'the config file (JSON: { "accounts": [...] }); default: config.json in the user data folder, else the demo fleet'],
      ['--data-dir DIR', 'the folder of the store (created owner-only); default: the user data folder'],
      ['--json', 'print a summary per account and stream as JSON on stdout'],
    ],
    options: { config: { type: 'string' }, ...dataDirOption, json: { type: 'boolean' } },
    async run(values, _positionals, io) {
      // The file's own shape first: bad input fails before any account is read.
      const file = configFileInUse(stringValue(values, 'config'));
      if (file !== null) preflightConfigFile(file);
      const { parseAccount } = await loadSyncWiring();
      const config = resolveConfig(stringValue(values, 'config'), parseAccount);
      if (config.demo) io.err(`fleetpane sync: no config file found: ${DEMO_LABEL}`);
      if (config.accounts.length === 0) throw new CliError(`config file ${config.file ?? ''} lists no accounts: add one under "accounts" (see the README)`);
      const dataDir = resolveDataDir(stringValue(values, 'data-dir'), config.demo);
      const runtime = await startRuntime({ dataDir, config, version: packageVersion(), ...(values.json ? {} : { log: stderrLogger() }) });
      let summary: SyncSummary;
      try {
        summary = SyncSummary.parse(await runtime.engine?.syncOnce());
      } finally {
        await runtime.close();
      }
      if (values.json) await io.out(`${JSON.stringify(summary, null, 2)}\n`);
      else await io.out(describeSummary(summary));
      if (!summary.ok) {
        io.err(`fleetpane sync: ${countFailures(summary)} stream(s) failed; the summary names them`);
        return EXIT_FAILED;
      }
      return EXIT_OK;
    },
  },
  overview: {
    usage: 'fleetpane overview --data-dir DIR --json [--as-of ISO]',
    summary: 'Print the one-pane overview (GPUs by state, utilisation, spend, incidents, freshness) from the store.',
    flags: [
      ['--data-dir DIR', 'the folder of the store; default: the user data folder'],
      ['--json', 'print the overview as JSON (the contract in shared/overview.ts); without it, a short text summary'],
      ['--as-of ISO', 'the overview as of this time (ISO 8601 with a zone, e.g. 2026-11-25T12:00:00Z); default: now'],
    ],
    options: { ...dataDirOption, json: { type: 'boolean' }, 'as-of': { type: 'string' } },
    async run(values, _positionals, io) {
      const asOfText = stringValue(values, 'as-of');
      if (asOfText !== undefined && !IsoTime.safeParse(asOfText).success) {
        throw new CliError(`--as-of "${asOfText}" is not an ISO 8601 time with a zone (e.g. 2026-11-25T12:00:00Z)`);
      }
      const dataDir = stringValue(values, 'data-dir') ?? defaultStoreDir();
      const runtime = await startRuntime({ dataDir, config: null, readOnly: true, version: packageVersion() });
      try {
        const asOf = asOfText === undefined ? new Date() : new Date(asOfText);
        const overview = Overview.parse(await runtime.store.overview(asOf, FleetFilter.parse({})));
        await io.out(values.json ? `${JSON.stringify(overview, null, 2)}\n` : describeOverview(overview));
        return EXIT_OK;
      } finally {
        await runtime.close();
      }
    },
  },
  serve: {
    usage:
      'fleetpane serve [--config FILE [--manage-accounts [--secrets-dir DIR] [--allow-endpoint-overrides]] | --demo] [--allow-triage] [--manage-spend [--upload-max-bytes N] [--upload-max-rows N]] --data-dir DIR [--host 127.0.0.1] [--port N] [--token-file F]',
    summary: 'Serve the console and its API over HTTP on loopback, every request with a token; syncs the config\'s accounts on schedule.',
    flags: [
      ['--config FILE', 'sync these accounts while serving; without it (and without --demo) the store is served read-only, as it is'],
      ['--manage-accounts', 'let the accounts screen change the config file (needs --config)'],
      ['--secrets-dir DIR', 'with --manage-accounts: account entries from the browser may read secret files under DIR (and FLEETPANE_SECRET_* variables), nothing else'],
      ['--allow-endpoint-overrides', 'with --manage-accounts: account entries from the browser may name custom endpoints'],
      ['--demo', 'serve and sync the simulated demo fleet'],
      ['--allow-triage', 'accept acknowledgements, notes and alert-rule edits (needs --config or --demo)'],
      ['--manage-spend', 'let the spend screen import FOCUS files and edit budgets and saved reports, and the accounts screen remove imported accounts'],
      ['--upload-max-bytes N', `with --manage-spend: largest FOCUS upload, decompressed, in bytes; default: ${DEFAULT_FOCUS_UPLOAD_BYTES}`],
      ['--upload-max-rows N', `with --manage-spend: most rows in one FOCUS upload; default: ${DEFAULT_FOCUS_UPLOAD_ROWS}`],
      ['--data-dir DIR', 'the folder of the store; default: the user data folder'],
      ['--host ADDRESS', 'the address to listen on; default: 127.0.0.1'],
      ['--port N', `the port (0 picks a free one); default: ${DEFAULT_SERVE_PORT}`],
      ['--token-file FILE', 'read the token from FILE, or write a new one there (owner-only) when absent'],
    ],
    options: {
      config: { type: 'string' },
      demo: { type: 'boolean' },
      ...dataDirOption,
      host: { type: 'string' },
      port: { type: 'string' },
      'token-file': { type: 'string' },
      /** Lets the accounts screen change the config file (serve is read-only without it). */
      'manage-accounts': { type: 'boolean' },
      /** The only folder whose files an account entry from the screen may name (--manage-accounts). */
      'secrets-dir': { type: 'string' },
      /** Lets account entries from the screen name custom endpoints (--manage-accounts). */
      'allow-endpoint-overrides': { type: 'boolean' },
      /** Accepts acknowledgements, notes and alert-rule edits (serve is read-only without it). */
      'allow-triage': { type: 'boolean' },
      /** Lets the spend screen upload FOCUS files and edit budgets and saved reports (read-only without it). */
      'manage-spend': { type: 'boolean' },
      /** Most bytes of one FOCUS upload, as sent and once decompressed (default 1 GiB). */
      'upload-max-bytes': { type: 'string' },
      /** Most cost rows of one FOCUS upload (default 2,000,000). */
      'upload-max-rows': { type: 'string' },
    },
    async run(values, _positionals, io) {
      const configFile = stringValue(values, 'config');
      if (configFile !== undefined && values.demo) throw new UsageError('give either --config or --demo, not both');
      if (values['manage-accounts'] === true && configFile === undefined) {
        throw new UsageError('--manage-accounts needs --config FILE: the accounts screen saves to that file');
      }
      const secretsDir = stringValue(values, 'secrets-dir');
      const allowEndpointOverrides = values['allow-endpoint-overrides'] === true;
      if ((secretsDir !== undefined || allowEndpointOverrides) && values['manage-accounts'] !== true) {
        throw new CliError('--secrets-dir and --allow-endpoint-overrides widen --manage-accounts: give that too');
      }
      if (secretsDir !== undefined && !(existsSync(secretsDir) && statSync(secretsDir).isDirectory())) {
        throw new CliError(`--secrets-dir ${secretsDir} is not a folder`);
      }
      const allowTriage = values['allow-triage'] === true;
      if (allowTriage && configFile === undefined && values.demo !== true) {
        throw new UsageError('--allow-triage needs --config FILE or --demo: without them the store is served as it is, read-only');
      }
      // Validate everything before opening anything, so bad input fails fast with one line: the flags
      // and the config file's own shape before any account, each account's fields after.
      const port = parsePort(stringValue(values, 'port') ?? String(DEFAULT_SERVE_PORT));
      const uploadMaxBytes = positiveCount(values, 'upload-max-bytes', DEFAULT_FOCUS_UPLOAD_BYTES);
      const uploadMaxRows = positiveCount(values, 'upload-max-rows', DEFAULT_FOCUS_UPLOAD_ROWS);
      if (configFile !== undefined) preflightConfigFile(configFile);
      const wiring = configFile !== undefined || values.demo === true ? await loadSyncWiring() : null;
      const config: LoadedConfig | null =
        wiring === null ? null : configFile !== undefined ? loadConfigFile(configFile, wiring.parseAccount) : demoConfig(wiring.parseAccount);
      const tokenFile = stringValue(values, 'token-file');
      const token = tokenFile === undefined ? undefined : readOrCreateToken(tokenFile);
      const dataDir = stringValue(values, 'data-dir') ?? (config === null ? defaultStoreDir() : resolveDataDir(undefined, config.demo));
      prepareDataDir(dataDir, true);

      // Without a config nothing syncs: open read-only so other readers (the CLI) can share the store.
      const manageSpend = values['manage-spend'] === true;
      const serveWrites: ServeWrites = { accounts: values['manage-accounts'] === true, triage: allowTriage, spend: manageSpend };
      const runtime = await startRuntime({
        dataDir,
        config,
        readOnly: config === null && !manageSpend,
        mode: 'serve',
        version: packageVersion(),
        log: stderrLogger(),
        reportLog: io.err,
        ...(config !== null
          ? {
              accounts: await serveAccounts(configFile, values['manage-accounts'] === true, {
                secretsDir: secretsDir ?? null,
                allowEndpointOverrides,
                ambientFiles: ambientCredentialFiles(process.env, homedir()),
              }),
            }
          : {}),
        // The kinds of write this serve was started to accept; the API and the server refuse the rest.
        serveWrites,
        printer: cliPdfPrinter(),
      });
      const { store, events, accounts } = runtime;
      let server: Awaited<ReturnType<typeof startServer>>;
      try {
        server = await startServer({
          api: runtime.api,
          dataDir,
          host: stringValue(values, 'host') ?? '127.0.0.1',
          port,
          ...(token ? { token } : {}),
          rendererDir: rendererDir(),
          events,
          log: io.err,
          serveWrites,
          ...(manageSpend
            ? {
                focusUpload: {
                  // Private temp files on the store's own disk, deleted after each import.
                  tempDir: join(dataDir, 'uploads'),
                  maxBytes: uploadMaxBytes,
                  maxRows: uploadMaxRows,
                  importFile: (path: string, account: string, limits: { maxRows: number }) =>
                    importFocusWithEvents(store, [path], account, events.emit, limits),
                  accountRefusal: (account: string) => importAccountRefusal(account, { store, now: () => new Date(), accounts }),
                },
              }
            : {}),
        });
      } catch (error) {
        await runtime.close();
        throw error;
      }
      if (runtime.demo()) io.err(`fleetpane serve: ${DEMO_LABEL}`);
      if (!isLoopback(server.host)) {
        io.err(`fleetpane serve: listening beyond loopback (${server.host}): anyone who can reach this port and has the token can read the fleet`);
      }
      if (config === null) io.err('fleetpane serve: no --config: serving the store as it is, without syncing');
      else if (config.accounts.length === 0) io.err(`fleetpane serve: config file ${config.file ?? ''} lists no accounts: nothing syncs until one is added`);
      await io.out(`Fleetpane is serving at ${server.url}\n`);
      runtime.start();
      await io.stopSignal();
      io.err('fleetpane serve: stopping');
      // A stop must end: a store write that outlives the sync engine's grace can hold the close past a
      // service manager's patience. The store is consistent after a kill, so past the limit serve goes.
      let step = 'open connections';
      const watchdog = setTimeout(() => {
        io.err(`fleetpane serve: still stopping after ${SERVE_STOP_LIMIT_MS / 1000} s (waiting on ${runtime.closing ?? step}); exiting now, the store reopens consistent`);
        process.exit(EXIT_OK);
      }, SERVE_STOP_LIMIT_MS);
      watchdog.unref();
      // The transport first (no new requests), then the runtime: reports, sync runs, the store.
      await server.close();
      step = 'scheduled reports';
      await runtime.close();
      clearTimeout(watchdog);
      return EXIT_OK;
    },
  },
  report: REPORT_COMMAND,
  'import-focus': IMPORT_FOCUS_COMMAND,
};

/** `fleetpane help`: every command with its one-line summary, and where to read more. */
export function generalHelp(): string {
  const names = Object.keys(COMMANDS);
  const width = Math.max(...names.map((n) => n.length));
  const lines = ['usage: fleetpane COMMAND [flags]', '', 'Commands:'];
  for (const name of names) lines.push(`  ${name.padEnd(width)}  ${COMMANDS[name]?.summary ?? ''}`);
  lines.push('', 'Run `fleetpane COMMAND --help` for its flags; `fleetpane --version` prints the version.');
  lines.push('Exit codes: 0 done, 1 a sync stream or an import failed, 2 bad input, 3 the data dir is in use.');
  return `${lines.join('\n')}\n`;
}

/** `fleetpane COMMAND --help`: its usage, what it does, and each flag on its own line. */
export function commandHelp(command: Command): string {
  const width = Math.max(0, ...command.flags.map(([flag]) => flag.length));
  const flags = command.flags.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`);
  return `usage: ${command.usage}\n\n${command.summary}\n${flags.length > 0 ? `\nFlags:\n${flags.join('\n')}\n` : ''}`;
}

/** The one-line usage text listing every command. */
export function usage(): string {
  return `usage: ${Object.values(COMMANDS)
    .map((c) => c.usage)
    .join(' | ')}`;
}

/** Parses argv and runs the command; returns the exit code. Errors become one line on stderr. */
export async function runCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.err(usage());
    return EXIT_USAGE;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const topic = rest[0];
    if (topic === undefined) {
      await io.out(generalHelp());
      return EXIT_OK;
    }
    const about = Object.hasOwn(COMMANDS, topic) ? COMMANDS[topic] : undefined;
    if (about === undefined) {
      io.err(`fleetpane help: unknown command "${topic}". ${usage()}`);
      return EXIT_USAGE;
    }
    await io.out(commandHelp(about));
    return EXIT_OK;
  }
  if (name === '--version' || name === '-v') {
    await io.out(`${packageVersion()}\n`);
    return EXIT_OK;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) {
    io.err(`fleetpane: unknown command "${name}". ${usage()}`);
    return EXIT_USAGE;
  }
  // Help wins over everything else on the line (flags before it may be incomplete or wrong).
  if (rest.some((arg) => arg === '--help' || arg === '-h')) {
    await io.out(commandHelp(command));
    return EXIT_OK;
  }
  let values: Values;
  let positionals: string[];
  if (command.allowPositionals && Object.keys(command.options).length === 0) {
    // Commands not built yet accept anything so they can say so plainly.
    values = {};
    positionals = [...rest];
  } else {
    try {
      ({ values, positionals } = parseArgs({
        args: [...rest],
        options: command.options,
        strict: true,
        allowPositionals: command.allowPositionals ?? false,
      }) as { values: Values; positionals: string[] });
    } catch (error) {
      // parseArgs appends advice about '--' that does not fit on one line.
      const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0]?.replace(/\. To specify a positional.*$/, '') ?? '';
      io.err(`fleetpane ${name}: ${reason}. usage: ${command.usage}`);
      return EXIT_USAGE;
    }
  }
  try {
    return await command.run(values, positionals, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`fleetpane ${name}: ${error.message}. usage: ${command.usage}`);
      return error.exitCode;
    }
    if (error instanceof CliError) {
      io.err(`fleetpane ${name}: ${error.message}`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    io.err(`fleetpane ${name}: failed: ${message}`);
    return EXIT_FAILED;
  }
}

/**
 * Serve mode's accounts screen: it lists accounts and tests configured ones; it changes the config
 * file only when started with --manage-accounts, and never stores a typed secret (the host's
 * environment variables or files named in the config hold them).
 */
async function serveAccounts(configFile: string | undefined, manage: boolean, secretAccess: SecretAccessPolicy): Promise<RuntimeAccountsOptions> {
  // Loaded only by serve with accounts, as the rest of the accounts screen's backend is.
  const { readConfigEntries } = await import('../accounts/accounts-service');
  const { EnvironmentOnlyVault, SERVE_SECRETS_REASON } = await import('../accounts/secret-vault');
  return {
    configFile: configFile ?? null,
    entries: configFile === undefined ? DEMO_CONFIG.accounts.map((a) => ({ name: a.name, provider: a.provider })) : (readConfigEntries(configFile) ?? []),
    manageRefusal: manage ? null : 'serve mode is read-only: start `fleetpane serve --config FILE --manage-accounts` to change accounts from the screen',
    vault: new EnvironmentOnlyVault(SERVE_SECRETS_REASON),
    // Whoever holds the token drives the screen: entries they send read only what the operator allowed.
    secretAccess,
  };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** A whole number of at least 1 from `--key`, or `fallback` when the flag is absent. */
function positiveCount(values: Values, key: string, fallback: number): number {
  const text = stringValue(values, key);
  if (text === undefined) return fallback;
  const parsed = PositiveCount.safeParse(text);
  if (!parsed.success) throw new CliError(`--${key} "${text}" is not a whole number of at least 1`);
  return parsed.data;
}

const PositiveCount = z
  .string()
  .regex(/^\d+$/)
  .transform(Number)
  .pipe(z.number().int().positive().max(Number.MAX_SAFE_INTEGER));

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new CliError(`--port "${text}" is not a port number (0-65535)`);
  return port;
}

/** Reads the token from the file, or writes a new one there (owner-only) when the file is absent. */
function readOrCreateToken(file: string): string {
  if (existsSync(file)) {
    const token = readFileSync(file, 'utf8').trim();
    if (token.length < 16) throw new CliError(`token file ${file} holds no token of at least 16 characters`);
    return token;
  }
  mkdirSync(dirname(file), { recursive: true });
  const token = generateToken();
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

function countFailures(summary: SyncSummary): number {
  return summary.accounts.reduce((n, a) => n + Object.values(a.streams).filter((s) => s.status !== 'ok').length, 0);
}

function describeSummary(summary: SyncSummary): string {
  const lines = summary.accounts.map((account) => {
    const streams = Object.entries(account.streams)
      .map(([stream, s]) => `${stream} ${s.status === 'ok' ? `${s.rows} rows` : `FAILED (${s.error?.kind}: ${s.error?.message})`}`)
      .join(', ');
    return `${account.account} (${account.provider}): ${streams}`;
  });
  return `${lines.join('\n')}\n`;
}

function describeOverview(overview: Overview): string {
  const lines = [`Fleetpane overview as of ${overview.asOf}${overview.demo ? ' (DEMO fleet, simulated data)' : ''}`];
  const g = overview.totals.gpus;
  lines.push(`GPUs: ${g.total} total, ${g.busy} busy, ${g.idle} idle, ${g.unhealthy} unhealthy, ${g.unknown} unknown, ${g.stopped} stopped`);
  for (const cloud of overview.clouds) {
    lines.push(`  ${cloud.label}: ${cloud.gpus.total} GPUs, utilisation 1h ${formatPercent(cloud.utilisation.avg1h)}, ${cloud.incidents.active} active incidents`);
  }
  for (const spend of overview.totals.spend) {
    lines.push(
      `Spend ${spend.currency}: billed month to date ${formatMoney(spend.billedMonthToDate, spend.currency)}, run-rate today ${formatMoney(spend.runRateToday, spend.currency)}, idle waste today ${formatMoney(spend.idleWasteToday, spend.currency)}`,
    );
  }
  lines.push(`Active incidents: ${overview.totals.incidents.active}`);
  const c = overview.totals.coverage;
  lines.push(
    `Not measured, priced or placed: ${c.gpusWithoutMetrics} GPUs without metrics, ${c.machinesWithoutPrice} machines without a list price, ${c.gpusUnplaced} GPUs unplaced (reasons on the Accounts screen)`,
  );
  return `${lines.join('\n')}\n`;
}
