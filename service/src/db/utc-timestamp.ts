/**
 * A `timestamp` column (no time zone, written in UTC) as an ISO 8601 string. pg hands it over
 * as a string (see postgres.ts), PGlite as a Date.
 */
export function utcTimestamp(value: Date | string): string {
  return (value instanceof Date ? value : new Date(`${value}Z`)).toISOString();
}
