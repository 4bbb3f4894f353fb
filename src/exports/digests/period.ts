// The periods of a digest: the last complete day, ISO week (Monday to Sunday) or calendar month in the digest's
// time zone. A period is due from its send hour on the first local day after it; the period a run sends is the
// most recent one that is due — so after downtime only the latest missed period is sent (late, once), and no
// backlog. Everything is computed from local wall-clock fields read with Intl, so days of 23 or 25 hours (DST)
// need no special case.

export type Cadence = 'daily' | 'weekly' | 'monthly';

export interface DigestPeriod {
  /** First and last local day, 'YYYY-MM-DD'. */
  start: string;
  end: string;
}

/** Whether `tz` is an IANA time zone name this runtime knows. */
export function isTimeZone(tz: string): boolean {
  if (tz.length === 0 || tz.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

interface LocalTime {
  day: string;
  hour: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone: tz,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(tz, f);
  }
  return f;
}

function localParts(at: Date, tz: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of formatter(tz).formatToParts(at)) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return out;
}

/** The local day and hour of an instant in `tz`. */
export function localTime(at: Date, tz: string): LocalTime {
  const p = localParts(at, tz);
  return { day: dayOf(Date.UTC(p.year!, p.month! - 1, p.day)), hour: p.hour! };
}

const DAY_MS = 86_400_000;
const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const msOf = (day: string): number => Date.parse(`${day}T00:00:00Z`);
export const addDays = (day: string, n: number): string => dayOf(msOf(day) + n * DAY_MS);

function addMonths(day: string, n: number): string {
  const d = new Date(msOf(day));
  return dayOf(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1));
}

/** The start of the period that holds `day`. */
function periodStart(cadence: Cadence, day: string): string {
  if (cadence === 'daily') return day;
  if (cadence === 'weekly') {
    const dow = new Date(msOf(day)).getUTCDay(); // 0 = Sunday
    return addDays(day, -((dow + 6) % 7));
  }
  return `${day.slice(0, 8)}01`;
}

/** The period before the one starting on `start`. */
function previousPeriod(cadence: Cadence, start: string): DigestPeriod {
  const prevStart =
    cadence === 'daily' ? addDays(start, -1) : cadence === 'weekly' ? addDays(start, -7) : addMonths(start, -1);
  return { start: prevStart, end: addDays(start, -1) };
}

/** The last period that is over at `at` in `tz` (what "send now" sends). */
export function lastCompletePeriod(cadence: Cadence, tz: string, at: Date): DigestPeriod {
  return previousPeriod(cadence, periodStart(cadence, localTime(at, tz).day));
}

/**
 * The most recent period that is due at `at`: over, and its send hour reached on the first local day after it.
 * Before the send hour of that day, it is the period before (whose send time has passed a whole period ago).
 */
export function duePeriod(cadence: Cadence, tz: string, sendHour: number, at: Date): DigestPeriod {
  const now = localTime(at, tz);
  const last = previousPeriod(cadence, periodStart(cadence, now.day));
  const dueDay = addDays(last.end, 1);
  if (now.day > dueDay || now.hour >= sendHour) return last;
  return previousPeriod(cadence, last.start);
}

/** The instant local midnight starts `day` in `tz` (the first instant of the day when midnight is skipped). */
export function startOfLocalDay(day: string, tz: string): Date {
  const target = msOf(day);
  // the offset at the guess, then once more at the corrected instant (it differs across a DST change)
  let t = target;
  for (let i = 0; i < 3; i++) {
    const p = localParts(new Date(t), tz);
    const asUtc = Date.UTC(p.year!, p.month! - 1, p.day, p.hour, p.minute, p.second);
    const next = t - (asUtc - target);
    if (next === t) break;
    t = next;
  }
  // a zone that skips midnight: the first instant whose local day is `day`
  while (localTime(new Date(t), tz).day < day) t += 15 * 60_000;
  return new Date(t);
}

/** The instants [from, to) the period covers in `tz`. */
export function periodInstants(p: DigestPeriod, tz: string): { from: Date; to: Date } {
  return { from: startOfLocalDay(p.start, tz), to: startOfLocalDay(addDays(p.end, 1), tz) };
}

/** 'daily 2026-03-08', 'week 2026-03-02 – 2026-03-08', 'March 2026'. */
export function periodLabel(cadence: Cadence, p: DigestPeriod): string {
  if (cadence === 'daily') return p.start;
  if (cadence === 'weekly') return `week ${p.start} – ${p.end}`;
  const d = new Date(msOf(p.start));
  return d.toLocaleString('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' });
}
