// RFC 9990 (DMARCbis aggregate reporting) in full, one fixture per point (test/fixtures/rfc9990/): the
// policy_test_mode override reason, `lang` attributes, extension elements kept as XML text, no pct, a DKIM
// result without its (now required) selector, and the same report with and without the dmarc-2.0 namespace.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AggregateReport } from '../../../src/model/aggregate.js';
import { MAX_EXTENSION_CHARS } from '../../../src/parse/aggregate/extensions.js';
import { parseText } from './helpers.js';

const FIXTURES = new URL('../../fixtures/rfc9990/', import.meta.url);
const fixture = (name: string): Buffer => readFileSync(new URL(name, FIXTURES));
// Small chunks: every fixture also crosses chunk boundaries inside tags, attributes and extension elements.
const parseFixture = (name: string): Promise<AggregateReport> => parseText(fixture(name), 61);

const NS = 'urn:ietf:params:xml:ns:dmarc-2.0';

describe('policy_test_mode (policy-test-mode.xml)', () => {
  it('is read as an override reason like the others, next to a record without one', async () => {
    const r = await parseFixture('policy-test-mode.xml');
    expect(r.schema).toBe('dmarcbis');
    expect(r.records.map((x) => x.reasons)).toEqual([
      [{ type: 'policy_test_mode', comment: 't=y: policy not applied' }],
      [],
    ]);
    expect(r.records.map((x) => [x.sourceIp, x.count, x.disposition, x.dkim, x.spf])).toEqual([
      ['198.51.100.7', 12, 'none', 'fail', 'fail'],
      ['192.0.2.10', 5, 'pass', 'pass', 'pass'],
    ]);
    expect(r.policy).toEqual({
      adkim: 's',
      aspf: 'r',
      p: 'reject',
      sp: 'quarantine',
      np: 'reject',
      pct: null,
      fo: '1',
      testing: 'y',
      discoveryMethod: 'treewalk',
    });
    expect(r.generator).toBe('Receiver DMARC Reporter 2.1');
    expect(r.warnings).toEqual([]);
  });
});

describe('lang attributes (lang.xml)', () => {
  it('keeps lang next to extra_contact_info, error, reason comment and human_result', async () => {
    const r = await parseFixture('lang.xml');
    expect(r.reporterOrg).toBe('Empfänger Beispiel');
    expect(r.extraContactInfo).toBe('Rückfragen bitte an postmaster@empfaenger.example');
    expect(r.extraContactInfoLang).toBe('de');
    expect(r.errors).toEqual(['DMARC-Eintrag doppelt vorhanden', 'second record ignored', 'bad language tag']);
    expect(r.errorLangs).toEqual(['de-CH', null, null]);
    const [rec] = r.records;
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
    // xml:lang is read as lang.
    expect(rec?.spfResults).toEqual([
      {
        domain: 'lists.example.org',
        scope: 'mfrom',
        result: 'pass',
        humanResult: 'authorised sender',
        humanResultLang: 'en-GB',
      },
    ]);
    expect(r.warnings).toEqual(["report_metadata/error: lang 'not a tag' is not a language tag; left empty"]);
  });

  it('leaves the lang fields out of reports that have none (the JSON of older reports is unchanged)', async () => {
    const r = await parseFixture('no-pct.xml');
    expect(Object.keys(r)).not.toContain('extraContactInfoLang');
    expect(Object.keys(r)).not.toContain('errorLangs');
    expect(Object.keys(r.records[0]?.dkimResults[0] ?? {})).toEqual(['domain', 'selector', 'result', 'humanResult']);
  });

  it('keeps no lang for an element without text', async () => {
    const xml = fixture('lang.xml')
      .toString('utf8')
      .replace(/<extra_contact_info lang="de">[^<]*</, '<extra_contact_info lang="de"><');
    const r = await parseText(xml);
    expect(r.extraContactInfo).toBeNull();
    expect(Object.keys(r)).not.toContain('extraContactInfoLang');
  });
});

describe('extensions (extensions.xml)', () => {
  it('keeps the children of <extension> and namespaced record elements as XML text, in order', async () => {
    const r = await parseFixture('extensions.xml');
    expect(r.extensions).toEqual([
      {
        record: null,
        xml:
          '<arc:arc-override policy="never" xmlns:arc="urn:example:dmarc-ext:arc">' +
          'no ARC overrides &amp; no exceptions</arc:arc-override>',
      },
      {
        record: 0,
        xml:
          '<arc:arc-results xmlns:arc="urn:example:dmarc-ext:arc">\n' +
          '      <arc:chain instance="1">pass</arc:chain>\n' +
          '      <arc:sealer/>\n' +
          '    </arc:arc-results>',
      },
      { record: 1, xml: '<score xmlns="urn:example:dmarc-ext:score"><value>0.2</value></score>' },
    ]);
    // The extension elements do not disturb the DMARC data around them.
    expect(r.records.map((x) => [x.sourceIp, x.count, x.dkimResults.length, x.spfResults.length])).toEqual([
      ['203.0.113.9', 4, 1, 1],
      ['203.0.113.10', 1, 1, 1],
    ]);
    expect(r.warnings).toEqual([]);
  });

  it('never reads an element of another namespace as a DMARC field', async () => {
    const xml = fixture('extensions.xml')
      .toString('utf8')
      .replace('<domain>example.com</domain>', '<domain>example.com</domain><arc:domain>evil.example</arc:domain>')
      .replace('<count>4</count>', '<count>4</count><arc:count>999</arc:count>');
    const r = await parseText(xml);
    expect(r.domain).toBe('example.com');
    expect(r.records[0]?.count).toBe(4);
    expect(r.extensions.map((e) => [e.record, e.xml])).toEqual([
      [null, '<arc:domain xmlns:arc="urn:example:dmarc-ext:arc">evil.example</arc:domain>'],
      [null, expect.stringContaining('<arc:arc-override')],
      [0, '<arc:count xmlns:arc="urn:example:dmarc-ext:arc">999</arc:count>'],
      [0, expect.stringContaining('<arc:arc-results')],
      [1, expect.stringContaining('<score')],
    ]);
  });

  it('reads an undeclared prefix as before (prefix dropped), and has no extensions without any', async () => {
    const r = await parseFixture('no-pct.xml');
    expect(r.extensions).toEqual([]);
    const prefixed = fixture('no-pct.xml').toString('utf8').replace('<count>2</count>', '<x:count>2</x:count>');
    // The prefix is declared nowhere: not an extension, the count is read as before.
    const p = await parseText(prefixed);
    expect(p.recovered).toBe(false);
    expect(p.records[0]?.count).toBe(2);
    expect(p.extensions).toEqual([]);
  });

  it('keeps them once when the XML is recovered from a malformed document', async () => {
    const strict = await parseFixture('extensions.xml');
    // A bare '<' near the end makes the strict parse fail after the extensions were read.
    const xml = fixture('extensions.xml').toString('utf8').replace('<value>0.2</value>', '<value>0.2 < 1</value>');
    const r = await parseText(xml);
    expect(r.recovered).toBe(true);
    expect(r.extensions.slice(0, 2)).toEqual(strict.extensions.slice(0, 2));
    expect(r.extensions).toHaveLength(3);
    expect(r.extensions[2]).toEqual({
      record: 1,
      xml: '<score xmlns="urn:example:dmarc-ext:score"><value>0.2 &lt; 1</value></score>',
    });
  });

  it('keeps at most MAX_EXTENSION_CHARS of extension XML, with one warning for the rest', async () => {
    const big = `<arc:blob>${'x'.repeat(MAX_EXTENSION_CHARS / 2)}</arc:blob>`;
    const xml = fixture('extensions.xml').toString('utf8').replace('<extension>', `<extension>${big}${big}${big}`);
    const r = await parseText(xml);
    // The first blob fits, the next two do not; the small elements after them still do.
    expect(r.extensions.map((e) => [e.record, e.xml.slice(0, 16)])).toEqual([
      [null, '<arc:blob xmlns:'],
      [null, '<arc:arc-overrid'],
      [0, '<arc:arc-results'],
      [1, '<score xmlns="ur'],
    ]);
    expect(r.extensions[0]?.xml.length).toBe(big.length + ' xmlns:arc="urn:example:dmarc-ext:arc"'.length);
    expect(r.warnings).toEqual([
      '2 extension elements not kept: at most 1,000 elements and 65,536 characters are kept per report',
    ]);
  });
});

describe('pct absent (no-pct.xml)', () => {
  it('is null, without a warning', async () => {
    const r = await parseFixture('no-pct.xml');
    expect(r.policy).toEqual({
      adkim: null,
      aspf: null,
      p: 'quarantine',
      sp: 'none',
      np: null,
      pct: null,
      fo: '0',
      testing: 'n',
      discoveryMethod: 'psl',
    });
    expect(r.warnings).toEqual([]);
  });
});

describe('DKIM result without a selector (dkim-no-selector.xml)', () => {
  it('keeps the result and warns, once per result without one', async () => {
    const r = await parseFixture('dkim-no-selector.xml');
    expect(r.records[0]?.dkimResults).toEqual([
      { domain: 'example.com', selector: null, result: 'pass', humanResult: null },
      { domain: 'esp.example', selector: null, result: 'pass', humanResult: null },
      { domain: 'example.com', selector: 's2', result: 'pass', humanResult: null },
    ]);
    expect(r.records[0]?.count).toBe(6);
    expect(r.warnings).toEqual([
      "record 1: auth_results/dkim for 'example.com' has no selector (RFC 9990 requires one)",
      "record 1: auth_results/dkim for 'esp.example' has no selector (RFC 9990 requires one)",
    ]);
  });

  it('does not warn in an RFC 7489 report, where the selector is optional', async () => {
    const xml = fixture('dkim-no-selector.xml')
      .toString('utf8')
      .replace(` xmlns="${NS}"`, '')
      .replace('<testing>n</testing>', '');
    const r = await parseText(xml);
    expect(r.schema).toBe('rfc7489');
    expect(r.records[0]?.dkimResults.map((d) => d.selector)).toEqual([null, null, 's2']);
    expect(r.warnings).toEqual([]);
  });
});

describe('the whole RFC 9990 shape, with and without the namespace (full.xml, full-no-namespace.xml)', () => {
  const expected: AggregateReport = {
    version: '1.0',
    schema: 'dmarcbis',
    namespace: NS,
    reporterOrg: 'Receiver Example',
    email: 'dmarc-reports@receiver.example',
    extraContactInfo: 'https://receiver.example/dmarc',
    extraContactInfoLang: 'en',
    reportId: 'rfc9990-full',
    begin: 1764806400,
    end: 1764892799,
    errors: ['sp tag has an unknown value'],
    errorLangs: ['en'],
    generator: 'Receiver DMARC Reporter 2.1',
    domain: 'example.com',
    policy: {
      adkim: 's',
      aspf: 'r',
      p: 'reject',
      sp: 'quarantine',
      np: 'reject',
      pct: null,
      fo: '1',
      testing: 'y',
      discoveryMethod: 'treewalk',
    },
    records: [
      {
        sourceIp: '198.51.100.7',
        count: 12,
        disposition: 'none',
        dkim: 'fail',
        spf: 'fail',
        reasons: [{ type: 'policy_test_mode', comment: 't=y', commentLang: 'en' }],
        headerFrom: 'example.com',
        envelopeFrom: 'mail.example.net',
        envelopeTo: null,
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
      },
    ],
    extensions: [
      { record: null, xml: '<arc:arc-override xmlns:arc="urn:example:dmarc-ext:arc">never</arc:arc-override>' },
      {
        record: 0,
        xml: '<arc:arc-results xmlns:arc="urn:example:dmarc-ext:arc"><arc:chain instance="1">fail</arc:chain></arc:arc-results>',
      },
    ],
    warnings: ["record 1: auth_results/dkim for 'example.com' has no selector (RFC 9990 requires one)"],
    recovered: false,
  };

  it('reads every field (full.xml)', async () => {
    expect(await parseFixture('full.xml')).toEqual(expected);
  });

  it('reads the same without the namespace: only `namespace` differs (full-no-namespace.xml)', async () => {
    expect(await parseFixture('full-no-namespace.xml')).toEqual({ ...expected, namespace: null });
  });
});
