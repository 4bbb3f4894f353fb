// A parsed RFC 8460 JSON value → the TlsReport model. Tolerant of what real reporters send (no contact-info, no
// mx-host, a datetime without a zone, an unknown policy type, a zero count left out) with a warning each, and
// precise about what makes a report unusable: each failure names the JSON path of the field.
import { TLS_POLICY_TYPES, type TlsFailureDetail, type TlsPolicy, type TlsReport } from '../../model/tls-report.js';
import { ParseFailure } from '../types.js';
import type { TlsLimits } from './limits.js';

type Json = Record<string, unknown>;

const DATETIME = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2}(?:\.\d+)?)([Zz]|[+-]\d{2}:?\d{2})?$/;
const DOMAIN =
  /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,62}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}[a-z0-9_])?)*\.?$/;

function invalid(message: string): ParseFailure {
  return new ParseFailure('invalid_tlsrpt', `SMTP TLS report: ${message}`);
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class Reader {
  readonly warnings: string[] = [];
  detailCount = 0;
  constructor(readonly limits: TlsLimits) {}

  string(o: Json, key: string, path: string, required: true): string;
  string(o: Json, key: string, path: string, required: false): string | null;
  string(o: Json, key: string, path: string, required: boolean): string | null {
    const v = o[key];
    if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) {
      if (required) throw invalid(`${path}${key} is missing`);
      return null;
    }
    if (typeof v !== 'string') throw invalid(`${path}${key} must be a string, got ${typeName(v)}`);
    if (v.length > this.limits.maxFieldLength) {
      throw new ParseFailure(
        'field_too_long',
        `SMTP TLS report: ${path}${key} is longer than ${this.limits.maxFieldLength} characters`,
      );
    }
    return v.trim();
  }

  count(o: Json, key: string, path: string): number | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
      throw invalid(`${path}${key} must be a non-negative integer, got ${JSON.stringify(v)}`);
    }
    return v;
  }

  strings(o: Json, key: string, path: string): string[] {
    const v = o[key];
    if (v === undefined || v === null) return [];
    const list = typeof v === 'string' ? [v] : v;
    if (!Array.isArray(list) || list.some((s) => typeof s !== 'string')) {
      throw invalid(`${path}${key} must be a list of strings`);
    }
    if (list.length > this.limits.maxPolicies * 10) throw invalid(`${path}${key} has too many entries`);
    for (const s of list as string[]) {
      if (s.length > this.limits.maxFieldLength)
        throw new ParseFailure('field_too_long', `SMTP TLS report: an entry of ${path}${key} is too long`);
    }
    return list as string[];
  }

  datetime(o: Json, key: string, path: string): number {
    const raw = this.string(o, key, path, true);
    const m = DATETIME.exec(raw);
    const at = m ? Date.parse(`${m[1]}T${m[2]}${m[3] === undefined ? 'Z' : m[3].toUpperCase()}`) : NaN;
    if (!m || Number.isNaN(at)) throw invalid(`${path}${key} is not an RFC 3339 date-time: ${JSON.stringify(raw)}`);
    if (m[3] === undefined) this.warnings.push(`${path}${key} has no time zone; read as UTC`);
    return Math.floor(at / 1000);
  }
}

function typeName(v: unknown): string {
  return Array.isArray(v) ? 'a list' : v === null ? 'null' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

export function normaliseTlsReport(value: unknown, limits: TlsLimits): TlsReport {
  if (!isObject(value))
    throw new ParseFailure('not_tlsrpt', `SMTP TLS report must be a JSON object, got ${typeName(value)}`);
  const r = new Reader(limits);
  const organizationName = r.string(value, 'organization-name', '', true);
  const reportId = r.string(value, 'report-id', '', true);
  const contactInfo = r.string(value, 'contact-info', '', false);
  if (contactInfo === null) r.warnings.push('contact-info is missing');
  const range = value['date-range'];
  if (!isObject(range)) throw invalid(range === undefined ? 'date-range is missing' : 'date-range must be an object');
  const start = r.datetime(range, 'start-datetime', 'date-range.');
  const end = r.datetime(range, 'end-datetime', 'date-range.');
  if (end < start) throw invalid('date-range.end-datetime is before date-range.start-datetime');

  const list = value.policies;
  if (list === undefined) throw invalid('policies is missing');
  if (!Array.isArray(list)) throw invalid('policies must be a list');
  if (list.length === 0) throw invalid('policies is empty');
  if (list.length > limits.maxPolicies) {
    throw new ParseFailure('too_many_records', `SMTP TLS report: more than ${limits.maxPolicies} policies`);
  }
  const policies = list.map((p, i) => readPolicy(r, p, `policies[${i}].`));
  const first = policies.find((p) => p.policyDomain !== null);
  if (!first) throw invalid('policies[0].policy.policy-domain is missing (no policy names its domain)');
  const domain = first.policyDomain!;
  policies.forEach((p, i) => {
    if (p.policyDomain === null) r.warnings.push(`policies[${i}].policy.policy-domain is missing`);
    else if (p.policyDomain !== domain) r.warnings.push(`policies[${i}] is for another domain: ${p.policyDomain}`);
  });
  return { organizationName, contactInfo, reportId, start, end, domain, policies, warnings: r.warnings };
}

function readPolicy(r: Reader, p: unknown, path: string): TlsPolicy {
  if (!isObject(p)) throw invalid(`${path.slice(0, -1)} must be an object`);
  const policy = p.policy;
  if (!isObject(policy))
    throw invalid(policy === undefined ? `${path}policy is missing` : `${path}policy must be an object`);
  const pp = `${path}policy.`;
  const policyType = r.string(policy, 'policy-type', pp, true);
  if (!(TLS_POLICY_TYPES as readonly string[]).includes(policyType)) {
    r.warnings.push(`${pp}policy-type ${JSON.stringify(policyType)} is not one of ${TLS_POLICY_TYPES.join(', ')}`);
  }
  const rawDomain = r.string(policy, 'policy-domain', pp, false);
  const policyDomain = rawDomain === null ? null : rawDomain.toLowerCase();
  if (policyDomain !== null && !DOMAIN.test(policyDomain)) {
    throw new ParseFailure(
      'invalid_domain',
      `SMTP TLS report: ${pp}policy-domain is not a domain name: ${JSON.stringify(rawDomain)}`,
    );
  }
  const summary = p.summary;
  if (!isObject(summary))
    throw invalid(summary === undefined ? `${path}summary is missing` : `${path}summary must be an object`);
  const sp = `${path}summary.`;
  const ok = r.count(summary, 'total-successful-session-count', sp);
  const failed = r.count(summary, 'total-failure-session-count', sp);
  if (ok === undefined && failed === undefined) {
    throw invalid(`${sp}total-successful-session-count and total-failure-session-count are missing`);
  }
  if (ok === undefined) r.warnings.push(`${sp}total-successful-session-count is missing; read as 0`);
  if (failed === undefined) r.warnings.push(`${sp}total-failure-session-count is missing; read as 0`);

  const details = p['failure-details'];
  const failureDetails: TlsFailureDetail[] = [];
  if (details !== undefined && details !== null) {
    if (!Array.isArray(details)) throw invalid(`${path}failure-details must be a list`);
    r.detailCount += details.length;
    if (r.detailCount > r.limits.maxFailureDetails) {
      throw new ParseFailure(
        'too_many_records',
        `SMTP TLS report: more than ${r.limits.maxFailureDetails} failure-details entries`,
      );
    }
    details.forEach((d, j) => failureDetails.push(readDetail(r, d, `${path}failure-details[${j}].`)));
  }
  return {
    policyType,
    policyString: r.strings(policy, 'policy-string', pp),
    policyDomain,
    mxHost: r.strings(policy, 'mx-host', pp),
    successfulSessions: ok ?? 0,
    failedSessions: failed ?? 0,
    failureDetails,
  };
}

function readDetail(r: Reader, d: unknown, path: string): TlsFailureDetail {
  if (!isObject(d)) throw invalid(`${path.slice(0, -1)} must be an object`);
  const count = r.count(d, 'failed-session-count', path);
  if (count === undefined) throw invalid(`${path}failed-session-count is missing`);
  return {
    resultType: r.string(d, 'result-type', path, true),
    sendingMtaIp: r.string(d, 'sending-mta-ip', path, false),
    receivingMxHostname: r.string(d, 'receiving-mx-hostname', path, false),
    receivingMxHelo: r.string(d, 'receiving-mx-helo', path, false),
    receivingIp: r.string(d, 'receiving-ip', path, false),
    failedSessionCount: count,
    additionalInformation: r.string(d, 'additional-information', path, false),
    failureReasonCode: r.string(d, 'failure-reason-code', path, false),
  };
}
