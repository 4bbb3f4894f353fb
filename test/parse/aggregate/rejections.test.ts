// Bad input: what is rejected (and with which code and message), what is recovered, and how DTDs are refused.
import { describe, expect, it } from 'vitest';
import { METADATA, POLICY, concatBytes, parseText, record, rejection, reportXml } from './helpers.js';

describe('not well-formed and not recoverable', () => {
  it('rejects a truncated document', async () => {
    const xml = reportXml();
    const failure = await rejection(xml.slice(0, xml.indexOf('<policy_published>') + 30));
    expect(failure.code).toBe('not_well_formed');
    expect(failure.message).toMatch(
      /^XML not well-formed: document ends at line \d+, column \d+ before <domain> is closed \(truncated\?\)$/,
    );
  });

  it('rejects a document cut inside a tag', async () => {
    const failure = await rejection(reportXml().slice(0, -12));
    expect(failure.code).toBe('not_well_formed');
  });

  it('rejects a mismatched tag, naming both tags and the position', async () => {
    const xml =
      '<?xml version="1.0"?>\n<feedback>\n  <report_metadata>\n    <report_id>x</report_id>\n  <policy_published><domain>a</domain></policy_published>\n</feedback>\n';
    const failure = await rejection(xml, 5);
    expect(failure.code).toBe('not_well_formed');
    expect(failure.message).toBe(
      'XML not well-formed: mismatched tag </feedback> at line 6, column 1 (expected </report_metadata>)',
    );
  });

  it('does not repair a mismatched tag even when other repairs apply', async () => {
    const xml = reportXml({ metadata: METADATA.replace('</email>', '</mail>').replace('Example Org', 'A & B') });
    const failure = await rejection(xml);
    expect(failure.code).toBe('not_well_formed');
    expect(failure.message).toMatch(/^XML not well-formed: /);
  });

  it('rejects text that is not XML as not a report', async () => {
    const failure = await rejection('This is not XML at all\nJust some random text\n');
    expect([failure.code, failure.message]).toEqual([
      'not_aggregate',
      'not a DMARC report: markup without a <feedback> element',
    ]);
  });

  it('rejects broken markup without a <feedback> element as not a report, whatever it declares', async () => {
    expect((await rejection('<html><body><p>hi<br></body></html>')).message).toBe(
      'not a DMARC report: root element <html> is not <feedback>',
    );
    for (const text of ['<!doctype html><p>hi', '<<<<<<< HEAD\nx\n']) {
      expect((await rejection(text)).message).toBe('not a DMARC report: markup without a <feedback> element');
    }
  });

  it('keeps "not well-formed" for a report cut short', async () => {
    const failure = await rejection(reportXml().slice(0, 300));
    expect(failure.code).toBe('not_well_formed');
    expect(failure.message).toMatch(/^XML not well-formed: /);
  });

  it('rejects two concatenated reports', async () => {
    const failure = await rejection(reportXml() + reportXml({ declaration: '' }));
    expect(failure.code).toBe('not_well_formed');
  });
});

describe('empty input', () => {
  it('rejects 0 bytes', async () => {
    const failure = await rejection('');
    expect([failure.code, failure.message]).toEqual(['empty', 'document is empty']);
  });

  it('rejects whitespace only, and a lone BOM', async () => {
    expect((await rejection(' \n\t\n')).code).toBe('empty');
    expect((await rejection(new Uint8Array([0xef, 0xbb, 0xbf]))).code).toBe('empty');
  });
});

describe('not an aggregate report', () => {
  it('rejects another root element', async () => {
    const failure = await rejection('<?xml version="1.0"?><invalid><report_id>1</report_id></invalid>');
    expect([failure.code, failure.message]).toEqual([
      'not_aggregate',
      'not a DMARC report: root element <invalid> is not <feedback>',
    ]);
  });

  it('keeps the prefix of the wrong root in the message', async () => {
    expect((await rejection('<x:root xmlns:x="u"/>')).message).toBe(
      'not a DMARC report: root element <x:root> is not <feedback>',
    );
  });

  it('rejects a schema wrapper that does not hold a report', async () => {
    const failure = await rejection(
      '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="x"/></xs:schema>',
    );
    expect([failure.code, failure.message]).toEqual([
      'not_aggregate',
      'not a DMARC report: root element <schema> does not contain <feedback> (found <xs:element>)',
    ]);
    expect((await rejection('<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"></xs:schema>')).code).toBe(
      'not_aggregate',
    );
  });
});

describe('missing identity', () => {
  it('rejects a report without report_id, or with an empty one', async () => {
    const noId = METADATA.replace('<report_id>r-1</report_id>', '');
    const failure = await rejection(reportXml({ metadata: noId }));
    expect([failure.code, failure.message]).toEqual([
      'missing_report_id',
      'report has no report_id (feedback/report_metadata/report_id)',
    ]);
    expect((await rejection(reportXml({ metadata: METADATA.replace('r-1', '  ') }))).code).toBe('missing_report_id');
  });

  it('rejects a report without report_metadata', async () => {
    expect((await rejection(`<feedback>${POLICY}${record()}</feedback>`)).code).toBe('missing_report_id');
  });

  it('rejects a report without a policy domain', async () => {
    const failure = await rejection(reportXml({ policy: '<policy_published><p>none</p><domain/></policy_published>' }));
    expect([failure.code, failure.message]).toEqual([
      'missing_domain',
      'report has no policy domain (feedback/policy_published/domain)',
    ]);
    expect((await rejection(`<feedback>${METADATA}${record()}</feedback>`)).code).toBe('missing_domain');
  });
});

describe('DOCTYPE and entities (never processed)', () => {
  const BILLION_LAUGHS =
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n' +
    Array.from({ length: 9 }, (_, i) => ` <!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`).join(
      '\n',
    ) +
    '\n]>\n';
  const XXE = '<?xml version="1.0"?>\n<!DOCTYPE feedback [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>\n';

  it('rejects a billion-laughs document without expanding anything', async () => {
    const xml = BILLION_LAUGHS + reportXml({ declaration: '', metadata: METADATA.replace('Example Org', '&lol9;') });
    const failure = await rejection(xml);
    expect([failure.code, failure.message]).toEqual(['doctype', 'DOCTYPE declarations are not allowed in reports']);
  });

  it('rejects an external-entity (XXE) document', async () => {
    const failure = await rejection(
      XXE + reportXml({ declaration: '', metadata: METADATA.replace('Example Org', '&xxe;') }),
    );
    expect(failure.code).toBe('doctype');
  });

  it('rejects a DOCTYPE split across chunks', async () => {
    expect((await rejection(XXE + reportXml({ declaration: '' }), 3)).code).toBe('doctype');
  });

  it('rejects a DOCTYPE even when the document also needs recovery', async () => {
    const bytes = concatBytes(
      '<?xml version="1.0"?>\n<!-- caf',
      new Uint8Array([0xe9]),
      ' -->\n',
      XXE.split('\n')[1] ?? '',
      reportXml({ declaration: '' }),
    );
    expect((await rejection(bytes)).code).toBe('doctype');
  });

  it('rejects a DOCTYPE placed inside the report', async () => {
    const xml = reportXml().replace('<report_metadata>', '<!DOCTYPE x [<!ENTITY a "b">]><report_metadata>');
    expect((await rejection(xml)).code).toBe('doctype');
  });

  it('keeps an undeclared entity reference as literal text in recovery instead of resolving it', async () => {
    const report = await parseText(reportXml({ metadata: METADATA.replace('Example Org', '&xxe;') }));
    expect(report.reporterOrg).toBe('&xxe;');
    expect(report.recovered).toBe(true);
    expect(report.warnings[0]).toBe(
      "XML not well-formed: undefined entity at line 3, column 32; recovered leniently: escaped 1 stray '&'",
    );
  });

  it('resolves the predefined and numeric references', async () => {
    const report = await parseText(
      reportXml({ metadata: METADATA.replace('Example Org', '&lt;A&amp;B&gt; &#233;&#x20AC;') }),
    );
    expect(report.reporterOrg).toBe('<A&B> é€');
    expect(report.recovered).toBe(false);
  });
});

describe('lenient recovery', () => {
  const recovered = async (xml: string | Uint8Array) => {
    const report = await parseText(xml);
    expect(report.recovered).toBe(true);
    return report;
  };

  it('replaces invalid UTF-8 bytes and names the bad byte', async () => {
    const [before, after] = reportXml().split('Example Org');
    const report = await recovered(concatBytes(before ?? '', 'Bad', new Uint8Array([0x91]), 'Byte', after ?? ''));
    expect(report.reporterOrg).toBe('Bad\uFFFDByte');
    expect(report.warnings[0]).toMatch(
      /^XML not well-formed: invalid utf-8 byte 0x91 at offset \d+; recovered leniently: replaced invalid utf-8 bytes with U\+FFFD$/,
    );
  });

  it("escapes stray '<' in text and in a would-be tag", async () => {
    const report = await recovered(
      reportXml({
        metadata: METADATA.replace('dmarc@example.org', '<bad-xml@bad-xml.net>'),
        records: [record({ identifiers: '<header_from>bad<xml.net</header_from>' })],
      }),
    );
    expect(report.email).toBe('<bad-xml@bad-xml.net>');
    expect(report.records[0]?.headerFrom).toBe('bad<xml.net');
    expect(report.warnings[0]).toMatch(/; recovered leniently: escaped 2 stray '<'s$/);
  });

  it("escapes a bare '&'", async () => {
    expect((await recovered(reportXml({ metadata: METADATA.replace('Example Org', 'AT&T') }))).reporterOrg).toBe(
      'AT&T',
    );
  });

  it('drops an unclosed <xs:schema> wrapper', async () => {
    const report = await recovered(
      `<?xml version="1.0"?> <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">\n${reportXml({ declaration: '' })}`,
    );
    expect(report.reportId).toBe('r-1');
    expect(report.warnings[0]).toMatch(
      /before <xs:schema> is closed .*; recovered leniently: discarded \d+ characters \("<xs:schema xmlns:xs=/,
    );
  });

  it('drops junk before and after the report', async () => {
    const report = await recovered(`From: mailer\n\n${reportXml()}\n-- \nsignature`);
    expect(report.records).toHaveLength(1);
    expect(report.warnings[0]).toMatch(
      /discarded \d+ characters \("From: mailer"\) before <feedback>; discarded \d+ characters \("-- signature"\) after <\/feedback>$/,
    );
  });

  it('accepts whitespace before the XML declaration', async () => {
    const report = await recovered(`\n  ${reportXml()}`);
    expect(report.warnings[0]).toMatch(
      /XML declaration must be at the start .*; recovered leniently: parsed the <feedback> element alone$/,
    );
  });

  it('replaces control characters XML forbids', async () => {
    const report = await recovered(reportXml({ metadata: METADATA.replace('Example Org', 'Ex\u0001ample') }));
    expect(report.reporterOrg).toBe('Ex\uFFFDample');
  });

  it('recovers a declared multi-byte encoding with invalid bytes, naming the byte range', async () => {
    const [before, after] = reportXml({ declaration: '<?xml version="1.0" encoding="Shift_JIS"?>' }).split(
      'Example Org',
    );
    const report = await recovered(concatBytes(before ?? '', 'Org', new Uint8Array([0xff]), after ?? ''));
    expect(report.reporterOrg).toBe('Org\uFFFD');
    expect(report.warnings[0]).toMatch(
      /^XML not well-formed: invalid shift_jis bytes \d+\.\.\d+; recovered leniently: replaced invalid shift_jis bytes with U\+FFFD$/,
    );
  });

  it('recovers UTF-16 cut in the middle of a code unit after the report', async () => {
    const xml = reportXml({ declaration: '' });
    const units = new Uint8Array(2 + xml.length * 2 + 1);
    units.set([0xff, 0xfe]);
    for (let i = 0; i < xml.length; i++) units[2 + 2 * i] = xml.charCodeAt(i);
    const report = await recovered(units);
    expect(report.reportId).toBe('r-1');
  });

  it('recovers a windows-1252 document with a stray "<", decoding it as declared', async () => {
    const [before, after] = reportXml({ declaration: '<?xml version="1.0" encoding="windows-1252"?>' }).split(
      'Example Org',
    );
    const report = await recovered(concatBytes(before ?? '', new Uint8Array([0x80, 0x3c, 0xe9]), after ?? ''));
    expect(report.reporterOrg).toBe('€<é');
  });
});
