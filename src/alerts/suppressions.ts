// Whether a suppression holds at a time and for a breach. A suppression names what it covers (a rule, a domain, a
// subject — an IP address, a network in CIDR form, a reporter, a mailbox —, any combination; nothing: everything of
// the organisation) and when: a window from startsAt to endsAt, or a recurring window of durationMinutes opening at
// each time of a cron expression read in its time zone (maintenance windows), optionally only between startsAt and
// endsAt.
import net from 'node:net';
import { CronExpressionParser } from 'cron-parser';
import type { AlertSuppression } from '../store/alert-suppressions.js';

type When = Pick<AlertSuppression, 'startsAt' | 'endsAt' | 'cron' | 'timezone' | 'durationMinutes'>;
type What = Pick<AlertSuppression, 'ruleId' | 'domain' | 'subject'>;

/** Checks a cron expression (throws with the parser's reason). */
export function parseCron(cron: string, timezone: string): void {
  CronExpressionParser.parse(cron, { tz: timezone, strict: false });
}

/** The latest start of the recurring window at or before `at`. */
function latestStart(s: When, at: Date): Date {
  const e = CronExpressionParser.parse(s.cron!, { currentDate: new Date(at.getTime() + 1000), tz: s.timezone });
  return e.prev().toDate();
}

/** The window that holds `at`, if one does. */
export function windowAt(s: When, at: Date): { start: Date; end: Date } | null {
  const t = at.getTime();
  if (s.startsAt && t < s.startsAt.getTime()) return null;
  if (s.endsAt && t >= s.endsAt.getTime()) return null;
  if (s.cron === null) return { start: s.startsAt!, end: s.endsAt! };
  const start = latestStart(s, at);
  const end = new Date(start.getTime() + s.durationMinutes! * 60_000);
  return t < end.getTime() ? { start, end } : null;
}

/** The current window, else the next one (null: none is to come). */
export function nextWindow(s: When, after: Date): { start: Date; end: Date } | null {
  const current = windowAt(s, after);
  if (current) return current;
  if (s.cron === null) return s.startsAt! > after ? { start: s.startsAt!, end: s.endsAt! } : null;
  const from = s.startsAt && s.startsAt > after ? s.startsAt : after;
  const e = CronExpressionParser.parse(s.cron, { currentDate: from, tz: s.timezone });
  const start = e.next().toDate();
  if (s.endsAt && start >= s.endsAt) return null;
  return { start, end: new Date(start.getTime() + s.durationMinutes! * 60_000) };
}

function subjectMatches(pattern: string, subject: string | null): boolean {
  if (subject === null) return false;
  if (pattern.toLowerCase() === subject.toLowerCase()) return true;
  // a network: covers every address in it
  const [address, bits, ...rest] = pattern.split('/');
  const family = net.isIP(address ?? '');
  const subjectFamily = net.isIP(subject);
  if (rest.length > 0 || bits === undefined || family === 0 || subjectFamily !== family || !/^\d{1,3}$/.test(bits)) {
    return false;
  }
  const prefix = Number(bits);
  if (prefix > (family === 4 ? 32 : 128)) return false;
  const list = new net.BlockList();
  list.addSubnet(address!, prefix, family === 4 ? 'ipv4' : 'ipv6');
  return list.check(subject, family === 4 ? 'ipv4' : 'ipv6');
}

/** The suppression covers a breach of this rule, domain and subject (whatever the time). */
export function covers(s: What, ruleId: number, domain: string | null, subject: string | null): boolean {
  if (s.ruleId !== null && s.ruleId !== ruleId) return false;
  if (s.domain !== null && (domain === null || s.domain.toLowerCase() !== domain.toLowerCase())) return false;
  if (s.subject !== null && !subjectMatches(s.subject, subject)) return false;
  return true;
}

/** The first of `list` that holds at `at` for the breach, if any. */
export function activeSuppression(
  list: readonly AlertSuppression[],
  at: Date,
  ruleId: number,
  domain: string | null,
  subject: string | null,
): AlertSuppression | undefined {
  return list.find((s) => covers(s, ruleId, domain, subject) && windowAt(s, at) !== null);
}
