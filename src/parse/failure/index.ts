// Failure reports (RFC 6591 on ARF, RFC 5965; RFC 9991) → FailureReport. Pure: the e-mail's bytes in, the typed
// report out (or a ParseFailure saying precisely what is wrong). The original message's body is never read;
// its headers are filtered by the privacy settings here, so nothing beyond them reaches the caller.
import { createHash } from 'node:crypto';
import type { FailureReport, OriginalHeader } from '../../model/failure.js';
import { ipFamily } from '../aggregate/ip-family.js';
import { ParseFailure } from '../types.js';
import { firstOf, readFields, valuesOf, type FieldLine } from './fields.js';
import { readFailureMail } from './mail.js';
import { keepsFeedbackField, keptHeaders, type FailurePrivacy } from './privacy.js';
import { readProse } from './prose.js';

export {
  DEFAULT_FAILURE_HEADERS,
  DEFAULT_FAILURE_PRIVACY,
  DEFAULT_FAILURE_RETENTION_DAYS,
  type FailurePrivacy,
  type FailureSettings,
} from './privacy.js';

/** Longest value kept of one field (a reporter's field is a line, not a document). */
const MAX_FIELD = 4000;

export async function parseFailureReport(raw: Uint8Array, privacy: FailurePrivacy): Promise<FailureReport> {
  const m = await readFailureMail(raw);
  const warnings: string[] = [];
  let fields: OriginalHeader[];
  let format: FailureReport['format'];
  let headers = m.originalHeaders;
  if (m.feedback.length > 0) {
    format = 'arf';
    if (m.feedback.length > 1) warnings.push(`${m.feedback.length} message/feedback-report parts: the first is read`);
    fields = feedbackFields(m.feedback[0] ?? '', warnings);
  } else {
    const prose = readProse(m.mail.text);
    if (!prose) {
      throw new ParseFailure(
        'arf_no_feedback',
        'failure report has no message/feedback-report part, and its text names no reported domain or source IP',
      );
    }
    format = 'prose';
    fields = prose.fields;
    if (headers.length === 0) headers = prose.headers;
  }

  const one = (name: string): string | null => {
    const v = firstOf(fields, name);
    return v === null ? null : v.slice(0, MAX_FIELD);
  };
  const all = (name: string): string[] => valuesOf(fields, name).map((v) => v.slice(0, MAX_FIELD));

  const feedbackType = one('Feedback-Type')?.toLowerCase() ?? null;
  if (format === 'arf') {
    if (feedbackType === null || feedbackType === '') {
      throw new ParseFailure(
        'arf_missing_field',
        'message/feedback-report has no Feedback-Type field (required by RFC 5965 §3.1)',
      );
    }
    if (one('User-Agent') === null) warnings.push('no User-Agent field (required by RFC 5965 §3.1)');
    if (one('Version') === null) warnings.push('no Version field (required by RFC 5965 §3.1)');
    if (feedbackType === 'auth-failure' && one('Auth-Failure') === null)
      warnings.push('auth-failure report without an Auth-Failure field (RFC 6591 §3.1)');
  }

  const sourceIpRaw = one('Source-IP');
  const sourceIp = sourceIpRaw === null ? null : addressOf(sourceIpRaw);
  if (sourceIpRaw !== null && sourceIp === null) warnings.push(`Source-IP is not an IP address: "${sourceIpRaw}"`);
  const arrivalDateRaw = one('Arrival-Date');
  const arrivalDate = arrivalDateRaw === null ? null : dateOf(arrivalDateRaw);
  if (arrivalDateRaw !== null && arrivalDate === null) warnings.push(`Arrival-Date is not a date: "${arrivalDateRaw}"`);
  const reportedDomain = one('Reported-Domain')?.toLowerCase().replace(/\.$/, '') ?? null;
  if (reportedDomain === null) warnings.push('no Reported-Domain field');
  const incidentsRaw = one('Incidents');
  const incidents = incidentsRaw !== null && /^\d{1,9}$/.test(incidentsRaw) ? Number(incidentsRaw) : null;

  const kept: Record<string, string[]> = {};
  for (const f of fields) {
    if (!keepsFeedbackField(privacy, f.name)) continue;
    (kept[f.name.toLowerCase()] ??= []).push(f.value.slice(0, MAX_FIELD));
  }
  const messageId = firstOf(headers, 'Message-ID');

  return {
    format,
    reporter: addressIn(firstOf(m.top, 'From')),
    feedbackType,
    userAgent: one('User-Agent'),
    version: one('Version'),
    authFailure: one('Auth-Failure')?.toLowerCase() ?? null,
    sourceIp,
    reportedDomain,
    reportedUri: all('Reported-URI'),
    originalEnvelopeId: one('Original-Envelope-Id'),
    originalMailFrom: one('Original-Mail-From'),
    originalRcptTo: all('Original-Rcpt-To'),
    arrivalDateRaw,
    arrivalDate,
    deliveryResult: one('Delivery-Result')?.toLowerCase() ?? null,
    authenticationResults: all('Authentication-Results'),
    dkimDomain: one('DKIM-Domain'),
    dkimIdentity: one('DKIM-Identity'),
    dkimSelector: one('DKIM-Selector'),
    dkimCanonicalizedHeader: privacy.keepAllHeaders ? one('DKIM-Canonicalized-Header') : null,
    spfDns: all('SPF-DNS'),
    identityAlignment: one('Identity-Alignment')?.toLowerCase() ?? null,
    incidents,
    fields: kept,
    original: format === 'prose' && m.original === 'none' && headers.length > 0 ? 'headers' : m.original,
    headers: keptHeaders(headers, privacy).map((h) => ({ name: h.name, value: h.value.slice(0, MAX_FIELD) })),
    messageIdHash: messageId ? createHash('sha256').update(messageId.trim().toLowerCase()).digest('hex') : null,
    warnings,
  };
}

/** The fields of a feedback part; a line that is no field fails the report (RFC 5965 §3.1: header syntax). */
function feedbackFields(text: string, warnings: string[]): FieldLine[] {
  if (text.trim() === '') throw new ParseFailure('arf_unreadable', 'message/feedback-report part is empty');
  const block = readFields(text, false);
  const bad = block.stray[0];
  if (bad) {
    const shown = bad.text.length > 60 ? `${bad.text.slice(0, 60)}…` : bad.text;
    throw new ParseFailure(
      'arf_unreadable',
      `message/feedback-report line ${bad.line} is not a "Name: value" field: "${shown}"`,
    );
  }
  const types = new Set(valuesOf(block.fields, 'Feedback-Type').map((v) => v.toLowerCase()));
  if (types.size > 1) warnings.push(`several Feedback-Type fields (${[...types].join(', ')}): the first is read`);
  return block.fields;
}

/** "148.163.85.135 (host.example)" → the address; IPv6 in brackets or with an "IPv6:" tag too. */
function addressOf(value: string): string | null {
  const token =
    value
      .replace(/\([^)]*\)/g, ' ')
      .trim()
      .split(/\s+/)[0] ?? '';
  const bare = token.replace(/^\[|\]$/g, '').replace(/^ipv6:/i, '');
  return ipFamily(bare) === 0 ? null : bare.toLowerCase();
}

/** RFC 5322 dates ("Thu, 8 Mar 2005 14:00:00 EDT", "8 Oct 2011 20:15:58 +0000 (GMT)"), or ISO 8601. */
function dateOf(value: string): Date | null {
  const cleaned = value
    .replace(/\([^)]*\)/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const ms = Date.parse(cleaned);
  return Number.isFinite(ms) ? new Date(ms) : null;
}

/** The address in a From value ("Name <a@b>" or "a@b"), lower-case. */
function addressIn(value: string | null): string | null {
  if (!value) return null;
  const angle = /<([^>]*)>/.exec(value);
  const address = (angle ? (angle[1] ?? '') : value).trim().toLowerCase();
  return address === '' ? null : address.slice(0, 320);
}
