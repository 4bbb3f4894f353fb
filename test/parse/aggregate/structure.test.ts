// Document-level behaviour: encodings, namespaces, element order, event order, batching, restart.
import { describe, expect, it } from 'vitest';
import { bytesSource, parseAggregateReport, parseAggregateXml } from '../../../src/parse/aggregate/index.js';
import type { AggregateEvent, ByteSource } from '../../../src/parse/types.js';
import { METADATA, POLICY, collect, concatBytes, parseText, record, reportXml } from './helpers.js';

const types = (events: AggregateEvent[]): string[] => events.map((e) => e.type);
const batchSizes = (events: AggregateEvent[]): number[] =>
  events.flatMap((e) => (e.type === 'records' ? [e.records.length] : []));

describe('encodings', () => {
  it('strips a UTF-8 BOM', async () => {
    const xml = reportXml({ metadata: METADATA.replace('Example Org', 'Exämple Örg') });
    const report = await parseText(concatBytes(new Uint8Array([0xef, 0xbb, 0xbf]), xml));
    expect(report.reporterOrg).toBe('Exämple Örg');
    expect(report.recovered).toBe(false);
  });

  it('decodes a declared windows-1252 document strictly, including 0x80–0x9F', async () => {
    const [before, after] = reportXml({ declaration: '<?xml version="1.0" encoding="windows-1252"?>\n' }).split(
      'Example Org',
    );
    // "Caf\xe9 \x80 \x93" = "Café € –"
    const bytes = concatBytes(
      before ?? '',
      new Uint8Array([0x43, 0x61, 0x66, 0xe9, 0x20, 0x80, 0x20, 0x96]),
      after ?? '',
    );
    const report = await parseText(bytes, 7);
    expect(report.reporterOrg).toBe('Café € –');
    expect(report.recovered).toBe(false);
    expect(report.warnings).toEqual([]);
  });

  it('decodes UTF-16 with a BOM', async () => {
    const xml = reportXml({
      declaration: '<?xml version="1.0" encoding="UTF-16"?>',
      metadata: METADATA.replace('Example Org', 'Ωmega'),
    });
    const units = new Uint8Array(2 + xml.length * 2);
    units.set([0xff, 0xfe]);
    for (let i = 0; i < xml.length; i++) {
      const c = xml.charCodeAt(i);
      units[2 + 2 * i] = c & 0xff;
      units[3 + 2 * i] = c >> 8;
    }
    const report = await parseText(units, 5);
    expect(report.reporterOrg).toBe('Ωmega');
    expect(report.recovered).toBe(false);
  });

  it('decodes an unsupported declared encoding as UTF-8, with a warning', async () => {
    const report = await parseText(reportXml({ declaration: '<?xml version="1.0" encoding="x-klingon"?>' }));
    expect(report.reportId).toBe('r-1');
    expect(report.warnings).toEqual(["declared encoding 'x-klingon' is not supported; decoded as UTF-8"]);
  });

  it('gives the same result whatever the chunk size, even with multi-byte characters split', async () => {
    const xml = reportXml({
      metadata: METADATA.replace('Example Org', 'Ørg €𝄞'),
      records: [record(), record({ ip: '2001:db8::5' })],
    });
    const whole = await parseText(xml);
    expect(await parseText(xml, 1)).toEqual(whole);
    expect(await parseText(xml, 3)).toEqual(whole);
    expect(whole.reporterOrg).toBe('Ørg €𝄞');
  });

  it('reads a document without an XML declaration', async () => {
    expect((await parseText(reportXml({ declaration: '' }))).reportId).toBe('r-1');
  });

  it('reads CDATA and ignores comments inside elements', async () => {
    const report = await parseText(
      reportXml({ metadata: METADATA.replace('Example Org', '<![CDATA[A & B <Org>]]><!-- note -->') }),
    );
    expect(report.reporterOrg).toBe('A & B <Org>');
  });
});

describe('namespaces and element names', () => {
  it('records the dmarc-2.0 default namespace', async () => {
    const report = await parseText(reportXml({ attrs: ' xmlns="urn:ietf:params:xml:ns:dmarc-2.0"' }));
    expect(report.namespace).toBe('urn:ietf:params:xml:ns:dmarc-2.0');
    expect(report.schema).toBe('dmarcbis');
  });

  it('records the old 0.1 default namespace without calling it DMARCbis', async () => {
    const report = await parseText(reportXml({ attrs: ' xmlns="http://dmarc.org/dmarc-xml/0.1"' }));
    expect(report.namespace).toBe('http://dmarc.org/dmarc-xml/0.1');
    expect(report.schema).toBe('rfc7489');
  });

  it('matches prefixed elements by local name', async () => {
    const prefixed = reportXml({ attrs: ' xmlns:d="http://dmarc.org/dmarc-xml/0.1"' })
      .replace(/<(\/?)([a-z_]+)/g, '<$1d:$2')
      .replace('<d:?xml', '<?xml');
    expect(prefixed).toContain('<d:feedback xmlns:d=');
    const report = await parseText(prefixed);
    expect(report.namespace).toBe('http://dmarc.org/dmarc-xml/0.1');
    expect(report.reportId).toBe('r-1');
    expect(report.records).toHaveLength(1);
  });

  it('ignores a namespace declared for a prefix that <feedback> does not use, and xsd/xsi attributes', async () => {
    const attrs =
      ' xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"' +
      " xmlns:ns1='http://dmarc.org/dmarc-xml/0.1' xsi:schemaLocation='http://dmarc.org/dmarc-xml/0.1 dmarc_agg_report.xsd'";
    const report = await parseText(reportXml({ attrs }));
    expect(report.namespace).toBeNull();
    expect(report.records).toHaveLength(1);
  });

  it('matches element names case-insensitively and ignores unknown elements', async () => {
    const xml = reportXml({ head: '<Extension><record><row><count>99</count></row></record></Extension>' }).replace(
      /<(\/?)(feedback|report_metadata|org_name|policy_published|domain|record|row|count)>/g,
      (_m, slash: string, name: string) => `<${slash}${name.toUpperCase()}>`,
    );
    const report = await parseText(xml);
    expect(report.reporterOrg).toBe('Example Org');
    expect(report.domain).toBe('example.com');
    expect(report.records).toHaveLength(1);
    expect(report.records[0]?.count).toBe(1);
  });

  it('looks through a closed <xs:schema> wrapper, with a warning', async () => {
    const xml = `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">${reportXml({ declaration: '' })}</xs:schema>`;
    const report = await parseText(xml);
    expect(report.recovered).toBe(false);
    expect(report.warnings).toEqual(['report is wrapped in a <schema> element; the wrapper was ignored']);
  });
});

describe('element order', () => {
  it('accepts date_range before org_name', async () => {
    const metadata =
      '<report_metadata><date_range><begin>1</begin><end>2</end></date_range><org_name>o2.pl</org_name><report_id>x</report_id></report_metadata>';
    const report = await parseText(reportXml({ metadata }));
    expect([report.reporterOrg, report.reportId, report.begin, report.end]).toEqual(['o2.pl', 'x', 1, 2]);
  });

  it('buffers records seen before policy_published and emits the header first', async () => {
    const xml = `<feedback>${METADATA}${record({ ip: '192.0.2.1' })}${record({ ip: '192.0.2.2' })}${record({ ip: '192.0.2.3' })}${POLICY}</feedback>`;
    const events = await collect(bytesSource(xml, 16), { batchSize: 2 });
    expect(types(events)).toEqual(['header', 'records', 'records', 'end']);
    expect(batchSizes(events)).toEqual([2, 1]);
    const header = events[0];
    expect(header?.type === 'header' && header.header.domain).toBe('example.com');
  });

  it('accepts policy_published and records before report_metadata, and version last', async () => {
    const xml = `<feedback>${POLICY}${record()}${METADATA}<version>1.0</version></feedback>`;
    const report = await parseText(xml);
    expect(report.reportId).toBe('r-1');
    expect(report.records).toHaveLength(1);
  });

  it('ignores a second report_metadata, with a warning', async () => {
    const second = METADATA.replace('r-1', 'r-2');
    const report = await parseText(reportXml({ policy: `${POLICY}${second}` }));
    expect(report.reportId).toBe('r-1');
    expect(report.warnings).toEqual(['a second <report_metadata> was ignored']);
  });
});

describe('events and batches', () => {
  const many = (n: number): string =>
    reportXml({ records: Array.from({ length: n }, (_, i) => record({ count: String((i % 3) + 1) })) });

  it('emits header, batches of batchSize, then end with totals (5,001 records / 2,000 → 3 batches)', async () => {
    const events = await collect(bytesSource(many(5001), 4096), { batchSize: 2000 });
    expect(types(events)).toEqual(['header', 'records', 'records', 'records', 'end']);
    expect(batchSizes(events)).toEqual([2000, 2000, 1001]);
    const end = events.at(-1);
    expect(end).toEqual({
      type: 'end',
      warnings: [],
      recovered: false,
      recordCount: 5001,
      messageCount: 1667 * 6,
      extensions: [],
    });
  });

  it('uses 2,000 records per batch by default', async () => {
    const events = await collect(bytesSource(many(4500)));
    expect(batchSizes(events)).toEqual([2000, 2000, 500]);
  });

  it('emits no records event for a report with no records', async () => {
    const events = await collect(bytesSource(reportXml({ records: [] })));
    expect(types(events)).toEqual(['header', 'end']);
    expect(events[1]).toMatchObject({ recordCount: 0, messageCount: 0 });
  });

  it('rejects a batch size that is not a positive integer', async () => {
    await expect(collect(bytesSource(many(1)), { batchSize: 0 })).rejects.toThrow(RangeError);
    await expect(collect(bytesSource(many(1)), { batchSize: 1.5 })).rejects.toThrow(RangeError);
  });

  it('bytesSource hands out the bytes in chunks of the given size and rejects a bad size', async () => {
    const sizes: number[] = [];
    for await (const chunk of bytesSource('héllo', 2)()) sizes.push(chunk.length);
    expect(sizes).toEqual([2, 2, 2]);
    expect(() => bytesSource('x', 0)).toThrow(RangeError);
  });

  it('re-opens the source for recovery (every open() starts again)', async () => {
    let opens = 0;
    const bytes = new TextEncoder().encode(reportXml({ metadata: METADATA.replace('Example Org', 'AT&T') }));
    const source: ByteSource = () => {
      opens++;
      return bytesSource(bytes, 10)();
    };
    const report = await parseAggregateReport(source);
    expect(report.reporterOrg).toBe('AT&T');
    expect(opens).toBe(2);
  });
});

describe('restart', () => {
  const records = (n: number): string[] => Array.from({ length: n }, (_, i) => record({ ip: `192.0.2.${i % 250}` }));

  it('restarts when the strict parse fails after events were emitted, then emits the recovered report', async () => {
    const list = records(10);
    list[7] = record({ ip: '192.0.2.7', identifiers: '<header_from>bad<host.example</header_from>' });
    const events = await collect(bytesSource(reportXml({ records: list }), 64), { batchSize: 3 });
    const restartAt = types(events).indexOf('restart');
    expect(restartAt).toBeGreaterThan(1);
    expect(types(events).slice(0, restartAt)).toEqual(['header', ...Array<string>(restartAt - 1).fill('records')]);
    const restart = events[restartAt];
    expect(restart?.type === 'restart' && restart.reason).toMatch(
      /^XML not well-formed: disallowed character in tag name at line \d+, column \d+$/,
    );
    expect(types(events).slice(restartAt + 1)).toEqual(['header', 'records', 'records', 'records', 'records', 'end']);
    const end = events.at(-1);
    expect(end).toMatchObject({ type: 'end', recovered: true, recordCount: 10, messageCount: 10 });
    expect(end?.type === 'end' && end.warnings[0]).toMatch(/; recovered leniently: escaped 1 stray '<'$/);

    const report = await parseAggregateReport(bytesSource(reportXml({ records: list }), 64));
    expect(report.records).toHaveLength(10);
    expect(report.records[7]?.headerFrom).toBe('bad<host.example');
  });

  it('switches to recovery silently when nothing was emitted yet', async () => {
    const xml = reportXml({ metadata: METADATA.replace('dmarc@example.org', '<dmarc@example.org>') });
    const events = await collect(bytesSource(xml, 8));
    expect(types(events)).toEqual(['header', 'records', 'end']);
    const header = events[0];
    expect(header?.type === 'header' && header.header.email).toBe('<dmarc@example.org>');
    expect(events[2]).toMatchObject({ recovered: true });
  });

  it('restarts and then fails when recovery cannot help (mismatched tag after emitted records)', async () => {
    const list = records(6);
    list[5] = '<record><row><source_ip>192.0.2.1</source_ip><count>1</count></record>';
    const seen: string[] = [];
    const run = async () => {
      for await (const event of parseAggregateXml(bytesSource(reportXml({ records: list }), 64), { batchSize: 2 }))
        seen.push(event.type);
    };
    await expect(run()).rejects.toMatchObject({
      code: 'not_well_formed',
      message: expect.stringMatching(
        /^XML not well-formed: mismatched tag <\/record> at line \d+, column \d+ \(expected <\/row>\)$/,
      ),
    });
    expect(seen.at(-1)).toBe('restart');
    expect(seen.slice(0, 2)).toEqual(['header', 'records']);
  });
});
