// Every way an SMTP TLS report can be unusable gives its own precise reason; the tolerated quirks give warnings.
import { describe, expect, it } from 'vitest';
import { parseTlsReport, type TlsLimits } from '../../../src/parse/tls/index.js';
import { DEFAULT_TLS_LIMITS } from '../../../src/parse/tls/limits.js';
import { ParseFailure } from '../../../src/parse/types.js';

const source = (text: string) =>
  async function* () {
    yield Buffer.from(text, 'utf8');
  };

function report(over: Record<string, unknown> = {}, policy: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    'organization-name': 'Company-X',
    'date-range': { 'start-datetime': '2016-04-01T00:00:00Z', 'end-datetime': '2016-04-01T23:59:59Z' },
    'contact-info': 'sts-reporting@company-x.example',
    'report-id': '5065427c-23d3',
    policies: [
      {
        policy: { 'policy-type': 'sts', 'policy-domain': 'Company-Y.example', 'mx-host': ['*.mail.company-y.example'] },
        summary: { 'total-successful-session-count': 5326, 'total-failure-session-count': 303 },
        'failure-details': [
          {
            'result-type': 'certificate-expired',
            'sending-mta-ip': '2001:db8:abcd:0012::1',
            'failed-session-count': 100,
          },
        ],
        ...policy,
      },
    ],
    ...over,
  };
}

async function failure(doc: unknown, limits?: TlsLimits): Promise<{ code: string; message: string }> {
  const text = typeof doc === 'string' ? doc : JSON.stringify(doc);
  try {
    await parseTlsReport(source(text), limits);
  } catch (err) {
    expect(err).toBeInstanceOf(ParseFailure);
    return { code: (err as ParseFailure).code, message: (err as ParseFailure).message };
  }
  throw new Error('parsed without a failure');
}

const drop = (o: Record<string, unknown>, key: string): Record<string, unknown> => {
  const copy = { ...o };
  delete copy[key];
  return copy;
};

describe('SMTP TLS report: rejections', () => {
  it('reads a good report, lower-casing the policy domain', async () => {
    const r = await parseTlsReport(source(JSON.stringify(report())));
    expect(r).toMatchObject({
      organizationName: 'Company-X',
      domain: 'company-y.example',
      start: 1459468800,
      warnings: [],
    });
    expect(r.policies[0]!.failureDetails[0]).toMatchObject({
      resultType: 'certificate-expired',
      failedSessionCount: 100,
    });
  });

  it('malformed JSON', async () => {
    const f = await failure('{"organization-name": "x",');
    expect(f.code).toBe('not_tlsrpt');
    expect(f.message).toMatch(/^SMTP TLS report is not valid JSON: /);
  });

  it('JSON that is not an object', async () => {
    expect(await failure('[1, 2]')).toEqual({
      code: 'not_tlsrpt',
      message: 'SMTP TLS report must be a JSON object, got a list',
    });
  });

  it.each([
    ['organization-name', 'SMTP TLS report: organization-name is missing'],
    ['report-id', 'SMTP TLS report: report-id is missing'],
    ['date-range', 'SMTP TLS report: date-range is missing'],
    ['policies', 'SMTP TLS report: policies is missing'],
  ])('missing %s', async (key, message) => {
    expect(await failure(drop(report(), key))).toEqual({ code: 'invalid_tlsrpt', message });
  });

  it('a field of the wrong type', async () => {
    expect((await failure(report({ 'organization-name': 42 }))).message).toBe(
      'SMTP TLS report: organization-name must be a string, got a number',
    );
  });

  it('a date-time that is not RFC 3339', async () => {
    const f = await failure(
      report({ 'date-range': { 'start-datetime': 'yesterday', 'end-datetime': '2016-04-01T23:59:59Z' } }),
    );
    expect(f.message).toBe('SMTP TLS report: date-range.start-datetime is not an RFC 3339 date-time: "yesterday"');
  });

  it('a missing end-datetime', async () => {
    const f = await failure(report({ 'date-range': { 'start-datetime': '2016-04-01T00:00:00Z' } }));
    expect(f.message).toBe('SMTP TLS report: date-range.end-datetime is missing');
  });

  it('a period that ends before it begins', async () => {
    const f = await failure(
      report({ 'date-range': { 'start-datetime': '2016-04-02T00:00:00Z', 'end-datetime': '2016-04-01T00:00:00Z' } }),
    );
    expect(f.message).toBe('SMTP TLS report: date-range.end-datetime is before date-range.start-datetime');
  });

  it('policies not a list, or empty', async () => {
    expect((await failure(report({ policies: {} }))).message).toBe('SMTP TLS report: policies must be a list');
    expect((await failure(report({ policies: [] }))).message).toBe('SMTP TLS report: policies is empty');
  });

  it('a policy without policy, policy-type or summary', async () => {
    expect((await failure(report({ policies: [{ summary: {} }] }))).message).toBe(
      'SMTP TLS report: policies[0].policy is missing',
    );
    expect((await failure(report({}, { policy: { 'policy-domain': 'a.example' } }))).message).toBe(
      'SMTP TLS report: policies[0].policy.policy-type is missing',
    );
    expect((await failure(report({}, { summary: undefined }))).message).toBe(
      'SMTP TLS report: policies[0].summary is missing',
    );
  });

  it('no policy names its domain', async () => {
    const f = await failure(report({}, { policy: { 'policy-type': 'sts' } }));
    expect(f).toEqual({
      code: 'invalid_tlsrpt',
      message: 'SMTP TLS report: policies[0].policy.policy-domain is missing (no policy names its domain)',
    });
  });

  it('a policy domain that is not a domain name', async () => {
    const f = await failure(report({}, { policy: { 'policy-type': 'sts', 'policy-domain': 'not a domain' } }));
    expect(f).toEqual({
      code: 'invalid_domain',
      message: 'SMTP TLS report: policies[0].policy.policy-domain is not a domain name: "not a domain"',
    });
  });

  it('summary counts: both missing, or not a non-negative integer', async () => {
    expect((await failure(report({}, { summary: {} }))).message).toBe(
      'SMTP TLS report: policies[0].summary.total-successful-session-count and total-failure-session-count are missing',
    );
    expect((await failure(report({}, { summary: { 'total-successful-session-count': -1 } }))).message).toBe(
      'SMTP TLS report: policies[0].summary.total-successful-session-count must be a non-negative integer, got -1',
    );
    expect((await failure(report({}, { summary: { 'total-failure-session-count': '3' } }))).message).toBe(
      'SMTP TLS report: policies[0].summary.total-failure-session-count must be a non-negative integer, got "3"',
    );
  });

  it('a failure detail without result-type or failed-session-count', async () => {
    expect((await failure(report({}, { 'failure-details': [{ 'failed-session-count': 1 }] }))).message).toBe(
      'SMTP TLS report: policies[0].failure-details[0].result-type is missing',
    );
    expect((await failure(report({}, { 'failure-details': [{ 'result-type': 'validation-failure' }] }))).message).toBe(
      'SMTP TLS report: policies[0].failure-details[0].failed-session-count is missing',
    );
    expect((await failure(report({}, { 'failure-details': {} }))).message).toBe(
      'SMTP TLS report: policies[0].failure-details must be a list',
    );
  });

  it('limits: size, policies, failure details, field length', async () => {
    const small: TlsLimits = { maxBytes: 2000, maxPolicies: 1, maxFailureDetails: 1, maxFieldLength: 40 };
    expect(await failure(report({ 'contact-info': 'x'.repeat(3000) }), small)).toEqual({
      code: 'too_large',
      message: 'SMTP TLS report larger than 2000 bytes',
    });
    const two = report();
    two.policies = [...(two.policies as unknown[]), ...(two.policies as unknown[])];
    expect(await failure(two, small)).toEqual({
      code: 'too_many_records',
      message: 'SMTP TLS report: more than 1 policies',
    });
    const details = report(
      {},
      {
        'failure-details': [
          { 'result-type': 'validation-failure', 'failed-session-count': 1 },
          { 'result-type': 'validation-failure', 'failed-session-count': 1 },
        ],
      },
    );
    expect(await failure(details, small)).toEqual({
      code: 'too_many_records',
      message: 'SMTP TLS report: more than 1 failure-details entries',
    });
    expect(await failure(report({ 'report-id': 'r'.repeat(41) }), small)).toEqual({
      code: 'field_too_long',
      message: 'SMTP TLS report: report-id is longer than 40 characters',
    });
    expect(DEFAULT_TLS_LIMITS.maxPolicies).toBeGreaterThan(1);
  });

  it('tolerates the quirks real reporters have, with a warning each', async () => {
    const r = await parseTlsReport(
      source(
        JSON.stringify(
          report(
            {
              'contact-info': undefined,
              'date-range': { 'start-datetime': '2025-06-14T00:00:00', 'end-datetime': '2025-06-14T23:59:59Z' },
            },
            {
              policy: { 'policy-type': 'invalid-policy-type', 'policy-domain': 'a.example' },
              summary: { 'total-successful-session-count': 2 },
            },
          ),
        ),
      ),
    );
    expect(r.start).toBe(Date.parse('2025-06-14T00:00:00Z') / 1000);
    expect(r.policies[0]).toMatchObject({ policyType: 'invalid-policy-type', mxHost: [], failedSessions: 0 });
    expect(r.warnings).toEqual([
      'contact-info is missing',
      'date-range.start-datetime has no time zone; read as UTC',
      'policies[0].policy.policy-type "invalid-policy-type" is not one of sts, tlsa, no-policy-found',
      'policies[0].summary.total-failure-session-count is missing; read as 0',
    ]);
  });
});
