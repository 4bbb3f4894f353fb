// RFC 9990 reports through the whole path (upload → store → API), on PGlite and PostgreSQL: the report detail
// gives the lang attributes, the extension elements as XML text and the warnings; policy_test_mode counts as
// an override reason like the others; no pct is null.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableEngines } from '../support/db.js';
import { bearer, createTestApp, type TestApp } from '../support/app.js';
import { multipart } from './helpers.js';

const FIXTURES = new URL('../fixtures/rfc9990/', import.meta.url);
const NAMES = ['full.xml', 'policy-test-mode.xml', 'lang.xml', 'extensions.xml', 'no-pct.xml'];

interface Detail {
  id: number;
  reportId: string;
  schema: string;
  namespace: string | null;
  extraContactInfo: string | null;
  extraContactInfoLang: string | null;
  reporterErrors: string[];
  reporterErrorLangs: (string | null)[];
  extensions: { record: number | null; xml: string }[];
  warningMessages: string[];
  policy: Record<string, unknown>;
  recordList: {
    idx: number;
    reasons: Record<string, unknown>[];
    dkimResults: Record<string, unknown>[];
    spfResults: Record<string, unknown>[];
  }[];
}

describe.each(availableEngines())('RFC 9990 reports in the API on %s', (engine) => {
  let x: TestApp;
  let viewer: Record<string, string>;
  const ids = new Map<string, number>();

  const get = async <T>(url: string): Promise<T> => {
    const r = await x.app.inject({ method: 'GET', url, headers: viewer });
    expect(r.statusCode, `${url}: ${r.body}`).toBe(200);
    return r.json<T>();
  };
  const detail = (name: string): Promise<Detail> => get<Detail>(`/api/reports/${ids.get(name)}`);

  beforeAll(async () => {
    x = await createTestApp(engine);
    const admin = bearer(await x.token('admin'));
    viewer = bearer(await x.token('viewer'));
    const { payload, headers } = multipart(
      NAMES.map((name) => ({ name, bytes: readFileSync(new URL(name, FIXTURES)) })),
    );
    const r = await x.app.inject({ method: 'POST', url: '/api/upload', payload, headers: { ...admin, ...headers } });
    expect(r.statusCode, r.body).toBe(200);
    await x.queue.drain();
    for (const f of r.json<{ results: { name: string; fileId: number }[] }>().results) {
      const file = await get<{ status: string; reports: { id: number }[] }>(`/api/files/${f.fileId}`);
      expect(file.status, f.name).toBe('processed');
      ids.set(f.name, file.reports[0]!.id);
    }
    expect(ids.size).toBe(NAMES.length);
  });
  afterAll(async () => {
    await x?.close();
  });

  it('gives the langs, the extensions as XML text and the missing-selector warning (full.xml)', async () => {
    const r = await detail('full.xml');
    expect(r).toMatchObject({
      reportId: 'rfc9990-full',
      schema: 'dmarcbis',
      namespace: 'urn:ietf:params:xml:ns:dmarc-2.0',
      extraContactInfo: 'https://receiver.example/dmarc',
      extraContactInfoLang: 'en',
      reporterErrors: ['sp tag has an unknown value'],
      reporterErrorLangs: ['en'],
      policy: { p: 'reject', sp: 'quarantine', np: 'reject', pct: null, testing: 'y', discoveryMethod: 'treewalk' },
    });
    expect(r.extensions).toEqual([
      { record: null, xml: '<arc:arc-override xmlns:arc="urn:example:dmarc-ext:arc">never</arc:arc-override>' },
      {
        record: 0,
        xml: '<arc:arc-results xmlns:arc="urn:example:dmarc-ext:arc"><arc:chain instance="1">fail</arc:chain></arc:arc-results>',
      },
    ]);
    expect(r.warningMessages).toEqual([
      "record 1: auth_results/dkim for 'example.com' has no selector (RFC 9990 requires one)",
    ]);
    expect(r.recordList).toHaveLength(1);
    expect(r.recordList[0]).toMatchObject({
      idx: 0,
      reasons: [{ type: 'policy_test_mode', comment: 't=y', commentLang: 'en' }],
      dkimResults: [
        {
          domain: 'example.com',
          selector: null,
          result: 'fail',
          humanResult: 'signature expired',
          humanResultLang: 'en',
        },
      ],
      spfResults: [
        {
          domain: 'mail.example.net',
          scope: 'mfrom',
          result: 'fail',
          humanResult: 'not in the SPF record',
          humanResultLang: 'en',
        },
      ],
    });
  });

  it('keeps langs per element and leaves them out where none was given (lang.xml)', async () => {
    const r = await detail('lang.xml');
    expect(r.extraContactInfoLang).toBe('de');
    expect(r.reporterErrors).toEqual(['DMARC-Eintrag doppelt vorhanden', 'second record ignored', 'bad language tag']);
    expect(r.reporterErrorLangs).toEqual(['de-CH', null, null]);
    const [rec] = r.recordList;
    expect(rec?.reasons).toEqual([
      { type: 'local_policy', comment: 'liste blanche locale', commentLang: 'fr' },
      { type: 'mailing_list', comment: 'no lang' },
    ]);
    expect(rec?.dkimResults).toEqual([
      {
        domain: 'example.com',
        selector: 'k1',
        result: 'fail',
        humanResult: 'body hash did not verify',
        humanResultLang: 'en',
      },
      { domain: 'lists.example.org', selector: 'list', result: 'pass', humanResult: 'ok' },
    ]);
    expect(rec?.spfResults).toEqual([
      {
        domain: 'lists.example.org',
        scope: 'mfrom',
        result: 'pass',
        humanResult: 'authorised sender',
        humanResultLang: 'en-GB',
      },
    ]);
  });

  it('keeps report- and record-level extension elements with the record they sit in (extensions.xml)', async () => {
    const r = await detail('extensions.xml');
    expect(r.extensions.map((e) => e.record)).toEqual([null, 0, 1]);
    expect(r.extensions[2]).toEqual({
      record: 1,
      xml: '<score xmlns="urn:example:dmarc-ext:score"><value>0.2</value></score>',
    });
    expect(r.recordList.map((c) => c.idx)).toEqual([0, 1]);
  });

  it('gives a report without extensions or langs empty ones, and no pct as null (no-pct.xml)', async () => {
    const r = await detail('no-pct.xml');
    expect(r).toMatchObject({
      extraContactInfoLang: null,
      reporterErrors: [],
      reporterErrorLangs: [],
      extensions: [],
      warningMessages: [],
      policy: { p: 'quarantine', sp: 'none', pct: null, fo: '0', testing: 'n', discoveryMethod: 'psl' },
    });
  });

  it('counts policy_test_mode among the override reasons and filters on it', async () => {
    const o = await get<{ messages: number; items: { type: string; messages: number; records: number }[] }>(
      '/api/rollup/overrides',
    );
    // policy-test-mode.xml: 12 messages; full.xml: 12; lang.xml: 3 under local_policy and mailing_list.
    expect(o.items.map((i) => [i.type, i.messages, i.records])).toEqual([
      ['policy_test_mode', 24, 2],
      ['local_policy', 3, 1],
      ['mailing_list', 3, 1],
    ]);
    expect(o.messages).toBe(27);
    const reports = await get<{ items: { reportId: string }[] }>('/api/reports?reason=policy_test_mode&sort=org');
    expect(reports.items.map((i) => i.reportId).sort()).toEqual(['rfc9990-full', 'rfc9990-policy-test-mode']);
    const records = await get<{ items: { reportId: number; count: number }[] }>('/api/records?reason=policy_test_mode');
    expect(records.items.map((i) => i.count)).toEqual([12, 12]);
  });
});
