// Content sniffing: decided by bytes, never by names or declared types.
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { classifyJson } from '../../../src/parse/unpack/json.js';
import { sniff } from '../../../src/parse/unpack/sniff.js';
import { buildZip, onlyPart, readPart, REPORT_XML } from './helpers.js';

const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');

describe('sniff', () => {
  it.each([
    ['plain XML', REPORT_XML, 'xml'],
    ['XML with a UTF-8 BOM', `\xef\xbb\xbf${REPORT_XML}`, 'xml'],
    ['XML after whitespace', `\r\n\t  ${REPORT_XML}`, 'xml'],
    ['XML without declaration', '<feedback><report_metadata/></feedback>', 'xml'],
    ['feedback behind junk', 'Here is your report:\n\n<?xml version="1.0"?><feedback></feedback>', 'xml'],
    ['prefixed feedback behind junk', 'junk junk <dmarc:feedback xmlns:dmarc="x">', 'xml'],
    ['JSON object', '  {"a": 1}', 'json'],
    ['e-mail', 'Received: from x\r\n\tby y\r\nFrom: a@b\r\nSubject: s\r\n\r\nbody', 'mime'],
    ['e-mail starting with an X- header', 'X-Mailer: foo\nFrom: a@b\n\nbody', 'mime'],
    ['mbox', 'From MAILER-DAEMON Thu Jan  1 00:00:00 2024\nFrom: a@b\nSubject: s\n\nbody\n', 'mbox'],
    ['prose', 'This is not XML at all\nJust some random text\n', 'unknown'],
    // documents that mention the element (the corpus's README and MANIFEST.tsv) are text, not a report
    ['a README mentioning <feedback>', '# Corpus\n\nkeep only the `<feedback>…</feedback>` span\n', 'unknown'],
    [
      'a TSV mentioning <feedback>',
      'path\texpected\nx.xml\tmalformed: root element <a> is not <feedback>\ny\t1\n',
      'unknown',
    ],
    ['source code mentioning <feedback>', 'const tag = "<feedback xmlns=\'x\'>" + body;\n', 'unknown'],
    [
      'feedback behind junk, cut by the window',
      'Here it is: <feedback xmlns="urn:ietf:params:xml:ns:dmarc-2.0"',
      'xml',
    ],
    ['a note that looks like one header', 'Note: this is not an e-mail\nreally not\n', 'unknown'],
  ])('%s → %s', (_label, text, kind) => {
    expect(sniff(bytes(text), true)).toBe(kind);
  });

  it('recognises compressed containers by magic bytes', () => {
    expect(sniff(zlib.gzipSync('x'), true)).toBe('gzip');
    expect(sniff(buildZip([{ name: 'a.xml', data: 'x' }]), true)).toBe('zip');
    expect(sniff(buildZip([]), true)).toBe('zip');
    for (const level of [1, 6, 9]) expect(sniff(zlib.deflateSync('x', { level }), true)).toBe('zlib');
  });

  it('tells empty content from content it has not seen yet', () => {
    expect(sniff(new Uint8Array(), true)).toBe('empty');
    expect(sniff(new Uint8Array(), false)).toBe('unknown');
  });

  it('recognises UTF-16 XML', () => {
    expect(sniff(Buffer.from(`\ufeff${REPORT_XML}`, 'utf16le'), true)).toBe('xml');
  });

  it('accepts any header block for a part declared message/rfc822', () => {
    const text = bytes('Thread-Topic: x\nX-Foo: y\n\nbody');
    expect(sniff(text, true)).toBe('unknown');
    expect(sniff(text, true, { expectMessage: true })).toBe('mime');
  });

  it('classifies random bytes as unknown', () => {
    const random = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251));
    random[0] = 0x42;
    expect(sniff(random, true)).toBe('unknown');
  });
});

describe('JSON classification', () => {
  const tls = JSON.stringify({
    'organization-name': 'Company-X',
    'date-range': { 'start-datetime': '2016-04-01T00:00:00Z', 'end-datetime': '2016-04-01T23:59:59Z' },
    'report-id': 'r1',
    policies: [],
  });

  it('recognises a TLS report, whole or from its head', () => {
    expect(classifyJson(bytes(tls), true)).toBe('smtp_tls');
    expect(classifyJson(bytes(tls.slice(0, 120)), false)).toBe('smtp_tls');
  });

  it('tells other JSON and broken JSON apart', () => {
    expect(classifyJson(bytes('{"policies": 1}'), true)).toBe('other_json');
    expect(classifyJson(bytes('[1, 2]'), true)).toBe('other_json');
    expect(classifyJson(bytes('{not json'), true)).toBe('not_json');
  });
});

describe('sniffed inputs through unpack()', () => {
  it('yields BOM-prefixed XML unchanged (the parser strips the BOM)', async () => {
    const input = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(REPORT_XML)]);
    const part = await onlyPart(input, 'bom.xml');
    expect(part).toMatchObject({ type: 'xml', name: 'bom.xml' });
    expect((await readPart(part)).equals(input)).toBe(true);
  });

  it('yields a text file with a report behind junk as XML', async () => {
    const part = await onlyPart(Buffer.from(`Forwarded report follows\n${REPORT_XML}`), 'notes.txt');
    expect(part).toMatchObject({ type: 'xml', name: 'notes.txt' });
  });

  it('reports JSON that is not a TLS report', async () => {
    const part = await onlyPart(Buffer.from('{"hello": "world"}'), 'x.json');
    expect(part).toMatchObject({ type: 'error', error: { code: 'unrecognised' } });
    if (part.type === 'error') {
      expect(part.error.message).toBe(
        'not a DMARC report: a JSON document, but not an SMTP TLS report (RFC 8460) either',
      );
    }
  });

  it('reports a file starting with { that is not JSON as unrecognised', async () => {
    const part = await onlyPart(Buffer.from('{example.co} is not JSON'), 'x.txt');
    expect(part).toMatchObject({
      type: 'error',
      error: { code: 'unrecognised', message: 'not a DMARC report: neither XML, JSON, an e-mail, gzip nor zip' },
    });
  });

  it('reports random bytes as unrecognised', async () => {
    const random = Buffer.from(Array.from({ length: 100_000 }, (_, i) => ((i * 2654435761) >>> 24) & 0xff));
    random[0] = 0x42;
    const part = await onlyPart(random, 'random.bin');
    expect(part).toEqual({
      type: 'error',
      name: 'random.bin',
      error: expect.objectContaining({
        code: 'unrecognised',
        message: 'not a DMARC report: neither XML, JSON, an e-mail, gzip nor zip',
      }),
    });
  });

  it.each([
    [
      'an HTML page',
      '<!DOCTYPE html>\n<html><head><title>x</title></head></html>',
      'root element <html> is not <feedback>',
    ],
    [
      'an SVG',
      '<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd">\n<svg/>',
      'root element <svg> is not <feedback>',
    ],
    [
      'a Maven pom',
      '<?xml version="1.0"?>\n<!-- <feedback> -->\n<project><modelVersion/></project>',
      'root element <project> is not <feedback>',
    ],
    ['a conflict marker', '<<<<<<< HEAD\nx\n=======\n', 'markup without a <feedback> element'],
  ])('says %s is not a DMARC report before parsing it', async (_label, text, reason) => {
    const part = await onlyPart(Buffer.from(text), 'x.xml');
    expect(part).toMatchObject({
      type: 'error',
      error: { code: 'not_aggregate', message: `not a DMARC report: ${reason}` },
    });
  });

  it('leaves a UTF-16 report and a report with a DOCTYPE to the parser', async () => {
    expect(await onlyPart(Buffer.from(`\ufeff${REPORT_XML}`, 'utf16le'), 'u16.xml')).toMatchObject({ type: 'xml' });
    const doctype = REPORT_XML.replace('<feedback', '<!DOCTYPE feedback [<!ENTITY a "b">]><feedback');
    expect(await onlyPart(Buffer.from(doctype), 'dtd.xml')).toMatchObject({ type: 'xml' });
  });

  it('reports an empty file', async () => {
    const part = await onlyPart(new Uint8Array(), 'empty.xml');
    expect(part).toEqual({
      type: 'error',
      name: 'empty.xml',
      error: expect.objectContaining({ code: 'empty', message: 'empty file' }),
    });
  });
});
