// Dates of the rollups: UTC days 'YYYY-MM-DD' (the report period's begin), and the windows of the rules on them.

const DAY_MS = 86_400_000;

/** The UTC day of an instant. */
export function dayOf(t: Date | number): string {
  return new Date(t).toISOString().slice(0, 10);
}

/** The day `n` days after `day` (before, when negative). */
export function addDays(day: string, n: number): string {
  return dayOf(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS);
}

/**
 * The report days a window of `hours` ending at `now` covers: every day that overlaps [now - hours, now]. Rollups
 * count per day, so a 24-hour window at noon covers yesterday and today.
 */
export function windowDays(now: Date, hours: number): { from: string; to: string } {
  return { from: dayOf(now.getTime() - hours * 3_600_000), to: dayOf(now) };
}

/** 0.1234 → '12.3 %' */
export function percent(share: number): string {
  return `${(Math.round(share * 1000) / 10).toFixed(1)} %`;
}

/** 12345 → '12,345' */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}
