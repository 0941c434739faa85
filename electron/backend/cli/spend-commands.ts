/**
 * `fleetpane import-focus` and `fleetpane report` (ARCHITECTURE.md fixes their flags). Entries of the
 * COMMANDS table in commands.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { CostReportQuery, ReportFormat, SpendGroupKey } from '../../../shared/contract-spend';
import { CloudId } from '../../../shared/domain';
import { emptyCellsNote } from '../../../shared/focus-import-note';
import { describeZodError, formatMoney } from '../../../shared/format';
import { renderReport } from '../reports/render';
import { CliError, defaultStoreDir, EXIT_FAILED, EXIT_OK, startRuntime, UsageError } from '../runtime/index';
import { FocusImportError } from '../store/focus/import';
import { cliPdfPrinter } from './chromium-printer';
import type { Command } from './command';
import { packageVersion } from './version';

type Values = Parameters<Command['run']>[0];

function text(values: Values, key: string): string | undefined {
  const v = values[key];
  return typeof v === 'string' ? v : undefined;
}

function list(values: Values, key: string): string[] {
  const v = (values as Record<string, unknown>)[key];
  const all = Array.isArray(v) ? (v as unknown[]) : typeof v === 'string' ? [v] : [];
  return all.flatMap((x) => String(x).split(',')).map((x) => x.trim()).filter((x) => x !== '');
}

function required(values: Values, key: string): string {
  const v = text(values, key);
  if (v === undefined || v === '') throw new UsageError(`--${key} is required`);
  return v;
}

export const IMPORT_FOCUS_COMMAND: Command = {
  usage: 'fleetpane import-focus FILE... --data-dir DIR --account NAME [--json]',
  summary: "Import FOCUS cost files (CSV, CSV.GZ, Parquet) into an account's spend, replacing the billing periods they hold.",
  flags: [
    ['FILE...', 'one or more FOCUS files'],
    ['--account NAME', 'the account the charges belong to'],
    ['--data-dir DIR', 'the folder of the store; default: the user data folder'],
    ['--json', 'print what was imported as JSON'],
  ],
  options: { 'data-dir': { type: 'string' }, account: { type: 'string' }, json: { type: 'boolean' } },
  allowPositionals: true,
  async run(values, positionals, io) {
    const account = required(values, 'account');
    if (positionals.length === 0) throw new UsageError('give at least one FOCUS file (CSV, CSV.GZ or Parquet)');
    const files = positionals.map((f) => resolve(f));
    const dataDir = text(values, 'data-dir') ?? defaultStoreDir();
    const runtime = await startRuntime({ dataDir, config: null, version: packageVersion() });
    const { store } = runtime;
    try {
      const started = Date.now();
      const result = await store.importFocus(files, account, (p) => {
        io.err(`import-focus: ${basename(p.file)}: ${p.phase} ${p.rows} rows (${p.totalRows} in all)`);
      });
      const seconds = (Date.now() - started) / 1000;
      if (values.json) {
        await io.out(`${JSON.stringify(result, null, 2)}\n`);
      } else {
        const lines = result.files.map((f) => {
          const note = emptyCellsNote(f.emptyCellsReadAsNull);
          return `${basename(f.file)}: FOCUS ${f.focusVersion}, ${f.rows} rows, billing periods ${f.billingPeriods.map((p) => p.slice(0, 7)).join(', ')}${note === null ? '' : `; ${note}`}`;
        });
        lines.push(`Imported ${result.rows} rows into account ${account} in ${seconds.toFixed(1)} s${result.replacedRows > 0 ? `; replaced ${result.replacedRows} rows of the same billing periods` : ''}`);
        await io.out(`${lines.join('\n')}\n`);
      }
      return EXIT_OK;
    } catch (error) {
      if (error instanceof FocusImportError) throw new CliError(`refused ${error.message}; nothing was imported`, EXIT_FAILED);
      throw error;
    } finally {
      await runtime.close();
    }
  },
};

/** Builds the report query from the command line (validated like an API request). */
export function reportQueryFromFlags(values: Values): CostReportQuery {
  const groupBy = list(values, 'group-by');
  for (const key of groupBy) {
    if (!SpendGroupKey.safeParse(key).success) {
      throw new CliError(`--group-by "${key}" is not a group key (cloud, account, billing-account, region, service, service-category, charge-category, gpu-model, resource, day, month, tag:<key>)`);
    }
  }
  const clouds = list(values, 'cloud');
  for (const c of clouds) if (!CloudId.safeParse(c).success) throw new CliError(`--cloud "${c}" is not one of ${CloudId.options.join(', ')}`);
  const tags: Record<string, string[]> = {};
  for (const t of list(values, 'tag')) {
    const [k, v] = t.split('=', 2);
    if (!k || v === undefined) throw new CliError(`--tag "${t}" is not KEY=VALUE`);
    (tags[k] ??= []).push(v);
  }
  const parsed = CostReportQuery.safeParse({
    ...(text(values, 'title') ? { title: text(values, 'title') } : {}),
    from: required(values, 'from'),
    to: required(values, 'to'),
    groupBy: groupBy.length > 0 ? groupBy : ['cloud'],
    filter: { clouds, accounts: list(values, 'account'), regions: list(values, 'region'), services: list(values, 'service'), gpuModels: list(values, 'gpu-model'), tags },
  });
  if (!parsed.success) {
    // The period's issues come from the shared schema (as in serve mode); name them as the flags.
    const period = parsed.error.issues.find((issue) => issue.path[0] === 'from' || issue.path[0] === 'to');
    if (period) throw new CliError(`--${String(period.path[0])}: ${period.message}`);
    throw new CliError(describeZodError(parsed.error, 'report'));
  }
  return parsed.data;
}

export const REPORT_COMMAND: Command = {
  usage:
    'fleetpane report --data-dir DIR --from YYYY-MM-DD --to YYYY-MM-DD --group-by KEYS --format csv|xlsx|pdf|focus --out FILE [--cloud C] [--account A] [--tag K=V] [--title T]',
  summary: 'Write a cost report of billed spend for whole UTC days [from, to], grouped and filtered, as CSV, XLSX, PDF or FOCUS CSV.',
  flags: [
    ['--data-dir DIR', 'the folder of the store; default: the user data folder'],
    ['--from YYYY-MM-DD', 'first day (UTC) of the period; a real calendar day'],
    ['--to YYYY-MM-DD', 'last day (UTC) of the period, not before --from'],
    ['--group-by KEYS', 'comma-separated: cloud, account, billing-account, region, service, service-category, charge-category, gpu-model, resource, day, month, tag:<key>; default: cloud'],
    ['--format FORMAT', 'csv, xlsx, pdf or focus'],
    ['--out FILE', 'where to write the report'],
    ['--cloud C', 'only these clouds (repeat or comma-separate)'],
    ['--account A', 'only these accounts'],
    ['--region R', 'only these regions'],
    ['--service S', 'only these services'],
    ['--gpu-model M', 'only these GPU models'],
    ['--tag K=V', 'only charges with this tag value'],
    ['--title T', 'the report title'],
  ],
  options: {
    'data-dir': { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    'group-by': { type: 'string', multiple: true },
    format: { type: 'string' },
    out: { type: 'string' },
    title: { type: 'string' },
    cloud: { type: 'string', multiple: true },
    account: { type: 'string', multiple: true },
    region: { type: 'string', multiple: true },
    service: { type: 'string', multiple: true },
    'gpu-model': { type: 'string', multiple: true },
    tag: { type: 'string', multiple: true },
  },
  async run(values, _positionals, io) {
    const query = reportQueryFromFlags(values);
    const format = ReportFormat.safeParse(required(values, 'format'));
    if (!format.success) throw new CliError(`--format must be one of ${ReportFormat.options.join(', ')}`);
    const out = resolve(required(values, 'out'));
    const dataDir = text(values, 'data-dir') ?? defaultStoreDir();
    const runtime = await startRuntime({ dataDir, config: null, readOnly: true, version: packageVersion(), printer: cliPdfPrinter() });
    const { store } = runtime;
    try {
      const rendered = await renderReport(store, query, format.data, runtime.printer);
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, rendered.bytes);
      const report = format.data === 'focus' ? null : await store.costReport(query);
      const totals = report?.totals.map((t) => `${formatMoney(t.billed, t.currency)} billed${t.estimated !== '0.00' ? ` (+ ${formatMoney(t.estimated, t.currency)} estimated, not billed)` : ''}`) ?? [];
      io.err(`fleetpane report: wrote ${out} (${rendered.bytes.length} bytes)${totals.length > 0 ? `: ${totals.join('; ')}` : ''}`);
      return EXIT_OK;
    } finally {
      await runtime.close();
    }
  },
};
