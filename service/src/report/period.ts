/** The days a report covers, in UTC (the database keeps its timestamps in UTC). */
export interface Period {
  /** First day, YYYY-MM-DD. */
  since: string;
  /** Last day, YYYY-MM-DD, included. */
  until: string;
}

export const DEFAULT_DAYS = 30;
const DAY_MS = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export class PeriodError extends Error {
  readonly code = "invalid_period";
}

/** --since and --until as given (YYYY-MM-DD, both included); by default the 30 days up to today. */
export function parsePeriod(options: { since?: string | undefined; until?: string | undefined }, now = new Date()): Period {
  const until = options.until === undefined ? dayOf(now) : checked("--until", options.until);
  const since = options.since === undefined ? dayOf(new Date(Date.parse(until) - (DEFAULT_DAYS - 1) * DAY_MS)) : checked("--since", options.since);
  if (since > until) throw new PeriodError(`--since ${since} is after --until ${until}.`);
  return { since, until };
}

/** Every day of the period, in order. */
export function daysOf(period: Period): string[] {
  const days: string[] = [];
  for (let t = Date.parse(period.since); t <= Date.parse(period.until); t += DAY_MS) days.push(dayOf(new Date(t)));
  return days;
}

/** The period as timestamps for SQL: from the first day's start to the day after the last (excluded). */
export function bounds(period: Period): { from: string; to: string } {
  return { from: `${period.since} 00:00:00`, to: `${dayOf(new Date(Date.parse(period.until) + DAY_MS))} 00:00:00` };
}

function dayOf(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function checked(flag: string, value: string): string {
  const time = Date.parse(value);
  if (!DATE.test(value) || Number.isNaN(time) || dayOf(new Date(time)) !== value) throw new PeriodError(`${flag} must be a date such as 2026-11-30, got ${JSON.stringify(value)}.`);
  return value;
}
