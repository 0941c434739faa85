/**
 * Saved reports on a schedule: every check, each saved definition whose schedule is due is rendered
 * in its formats into its folder (the same files `fleetpane report` writes) and its run recorded in
 * the store. Runs in the backend host (desktop) and in serve mode; a read-only store never schedules.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CostReportQuery, type ReportDefinition } from '../../../shared/contract-spend';
import { periodDays } from '../../../shared/period';
import type { FleetStore } from '../store/types';
import type { PdfPrinter } from './pdf';
import { renderReport } from './render';

const DAY_MS = 86_400_000;
/** How often due reports are looked for. */
export const REPORT_CHECK_MS = 15 * 60_000;

const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** The [from, to] days a definition covers when it runs at `now` (shared/period.ts: the spend view's rule too). */
export function periodAt(definition: ReportDefinition, now: Date): { from: string; to: string } {
  return periodDays(definition.period, now);
}

/** Whether a scheduled definition is due at `now` (daily: once per UTC day, weekly: 7 days, monthly: once per month). */
export function isDue(definition: ReportDefinition, now: Date): boolean {
  if (definition.schedule === 'none' || definition.folder === null) return false;
  if (definition.lastRunAt === null) return true;
  const last = new Date(definition.lastRunAt);
  switch (definition.schedule) {
    case 'daily':
      return day(last.getTime()) < day(now.getTime());
    case 'weekly':
      return now.getTime() - last.getTime() >= 7 * DAY_MS;
    case 'monthly':
      return last.getUTCFullYear() * 12 + last.getUTCMonth() < now.getUTCFullYear() * 12 + now.getUTCMonth();
  }
}

export interface ReportSchedulerOptions {
  store: FleetStore;
  printPdf?: PdfPrinter;
  now?: () => Date;
  log?: (line: string) => void;
  checkEveryMs?: number;
}

/** Runs due saved reports every `checkEveryMs`; start() and stop() bracket its life. */
export class ReportScheduler {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running: Promise<string[]> = Promise.resolve([]);
  private stopped = true;

  constructor(private readonly options: ReportSchedulerOptions) {}

  /** Checks now, then every interval. */
  start(): void {
    if (this.options.store.readOnly) {
      this.options.log?.('report schedule: the store is read-only, scheduled reports do not run here');
      return;
    }
    this.stopped = false;
    this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.running.catch(() => undefined);
  }

  /** Resolves when the current check has finished (for tests and shutdown). */
  idle(): Promise<string[]> {
    return this.running;
  }

  private tick(): void {
    this.running = this.runDue().catch((error: unknown) => {
      this.options.log?.(`report schedule: check failed: ${error instanceof Error ? error.message : String(error)}`);
      return [];
    });
    void this.running.then(() => {
      if (!this.stopped) this.timer = setTimeout(() => this.tick(), this.options.checkEveryMs ?? REPORT_CHECK_MS);
    });
  }

  /** Renders every due report; returns the files written. A failing report records its error and the others still run. */
  async runDue(): Promise<string[]> {
    const now = (this.options.now ?? (() => new Date()))();
    const written: string[] = [];
    for (const definition of await this.options.store.reportDefinitions()) {
      if (!isDue(definition, now) || definition.folder === null) continue;
      const period = periodAt(definition, now);
      const query = CostReportQuery.parse({ title: definition.name, ...period, groupBy: definition.groupBy, filter: definition.filter });
      try {
        await mkdir(definition.folder, { recursive: true });
        for (const format of definition.formats) {
          const rendered = await renderReport(this.options.store, query, format, this.options.printPdf, definition.name);
          const file = join(definition.folder, rendered.fileName);
          await writeFile(file, rendered.bytes);
          written.push(file);
        }
        await this.options.store.recordReportRun(definition.id, now, null);
        this.options.log?.(`report schedule: wrote "${definition.name}" ${period.from}..${period.to} into ${definition.folder}`);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        await this.options.store.recordReportRun(definition.id, now, message);
        this.options.log?.(`report schedule: "${definition.name}" failed: ${message}`);
      }
    }
    return written;
  }
}
