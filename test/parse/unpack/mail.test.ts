// E-mail and mbox inputs: reports wherever they sit in the MIME tree, one part for declared failure/TLS reports.
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { UnpackedPart } from '../../../src/parse/types.js';
import { splitMbox } from '../../../src/parse/unpack/mbox.js';
import { buildZip, describe as show, onlyPart, readPart, REPORT_XML, unpackAll } from './helpers.js';

const xml = Buffer.from(REPORT_XML);
const TLS_JSON = JSON.stringify({
  'organization-name': 'Company-X',
  'date-range': { 'start-datetime': '2016-04-01T00:00:00Z', 'end-datetime': '2016-04-01T23:59:59Z' },
  'contact-info': 'sts-reporting@company-x.example',
  'report-id': '5065427c-23d3-47ca-b6e0-946ea0e8c4be',
  policies: [],
});

function base64Lines(data: Uint8Array): string {
  return (
    Buffer.from(data)
      .toString('base64')
      .match(/.{1,76}/g) ?? []
  ).join('\n');
}

/** An e-mail from header lines and a body; `\n` line ends become `eol`. */
function mail(headers: string[], body: string, eol = '\n'): Buffer {
  return Buffer.from(`${headers.join('\n')}\n\n${body}`.replace(/\r?\n/g, eol), 'latin1');
}

const REPORT_HEADERS = [
  'Return-Path: <noreply-dmarc-support@google.com>',
  'From: noreply-dmarc-support@google.com',
  'To: dmarc@example.com',
  'Subject: Report domain: example.com Submitter: google.com Report-ID: 42',
  'MIME-Version: 1.0',
];

let boundaries = 0;
function multipart(headers: string[], parts: string[], type = 'multipart/mixed', extra = ''): Buffer {
  const boundary = `boundary-${++boundaries}`;
  const body = parts.map((p) => `--${boundary}\n${p}\n`).join('') + `--${boundary}--\n`;
  return mail([...headers, `Content-Type: ${type}; boundary="${boundary}"${extra}`], body);
}

function attachment(type: string, data: Uint8Array, filename?: string): string {
  const disposition = filename ? `Content-Disposition: attachment; filename="${filename}"\n` : '';
  return `Content-Type: ${type}\nContent-Transfer-Encoding: base64\n${disposition}\n${base64Lines(data)}`;
}

const TEXT_PART = 'Content-Type: text/plain; charset=us-ascii\n\nThis is an aggregate report from google.com.';
const reportMail = (): Buffer =>
  multipart(REPORT_HEADERS, [
    TEXT_PART,
    attachment('application/gzip', zlib.gzipSync(xml), 'google.com!example.com!1!2.xml.gz'),
  ]);

function summary(parts: UnpackedPart[]): string[] {
  return parts.map((p) =>
    p.type === 'error'
      ? `error ${p.error.code}: ${p.name}`
      : p.type === 'unsupported'
        ? `${p.kind}: ${p.name}`
        : `${p.type}: ${p.name}`,
  );
}

describe('e-mail', () => {
  it('finds a gzip attachment and ignores the prose body', async () => {
    const parts = await unpackAll(reportMail(), 'report.eml');
    expect(summary(parts)).toEqual(['xml: report.eml > google.com!example.com!1!2.xml.gz']);
    expect((await readPart(parts[0] as UnpackedPart)).equals(xml)).toBe(true);
  });

  it('reads CRLF messages', async () => {
    const crlf = Buffer.from(reportMail().toString('latin1').replace(/\n/g, '\r\n'), 'latin1');
    expect(summary(await unpackAll(crlf, 'crlf.eml'))).toEqual(['xml: crlf.eml > google.com!example.com!1!2.xml.gz']);
  });

  it('names an attachment without a file name by position and type, and sniffs application/octet-stream', async () => {
    const zip = buildZip([{ name: 'r.xml', data: xml }]);
    const input = multipart(REPORT_HEADERS, [
      TEXT_PART,
      attachment('application/gzip', zlib.gzipSync(xml)),
      attachment('application/octet-stream', zip),
    ]);
    expect(summary(await unpackAll(input, 'm.eml'))).toEqual([
      'xml: m.eml > attachment 1 (application/gzip)',
      'xml: m.eml > attachment 2 (application/octet-stream) > r.xml',
    ]);
  });

  it('reads a single-part message whose body is the zip (Google style)', async () => {
    const input = mail(
      [...REPORT_HEADERS, 'Content-Type: application/zip; name="r.zip"', 'Content-Transfer-Encoding: base64'],
      base64Lines(buildZip([{ name: 'r.xml', data: xml }])),
    );
    expect(summary(await unpackAll(input, 'g.eml'))).toEqual(['xml: g.eml > r.zip > r.xml']);
  });

  it('decodes a quoted-printable inline text/xml part', async () => {
    const qp = REPORT_XML.replace(/=/g, '=3D').replace(/(.{70})/g, '$1=\n');
    const input = multipart(REPORT_HEADERS, [
      TEXT_PART,
      `Content-Type: text/xml; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\nContent-Disposition: inline\n\n${qp}`,
    ]);
    const parts = await unpackAll(input, 'qp.eml');
    expect(summary(parts)).toEqual(['xml: qp.eml > attachment 1 (text/xml)']);
    expect((await readPart(parts[0] as UnpackedPart)).toString('utf8').trim()).toBe(REPORT_XML.trim());
  });

  it('finds a report pasted into a text/plain body, re-encoded as UTF-8', async () => {
    const latin1Xml = REPORT_XML.replace('encoding="UTF-8"', 'encoding="windows-1252"').replace(
      'example.net</org_name>',
      'Société</org_name>',
    );
    const input = mail(
      [...REPORT_HEADERS, 'Content-Type: text/plain; charset=windows-1252', 'Content-Transfer-Encoding: 8bit'],
      `Report below.\n\n${latin1Xml}`,
    );
    const parts = await unpackAll(input, 'body.eml');
    expect(summary(parts)).toEqual(['xml: body.eml > message body']);
    const text = (await readPart(parts[0] as UnpackedPart)).toString('utf8');
    expect(text).toContain('encoding="UTF-8"');
    expect(text).toContain('Société');
  });

  it('unpacks a forwarded report (message/rfc822 attachment)', async () => {
    const forwarded = multipart(
      [
        'From: admin@example.com',
        'To: dmarc@example.com',
        'Subject: Fwd: Report domain: example.com',
        'MIME-Version: 1.0',
      ],
      [
        'Content-Type: text/plain\n\nSee the attached report.',
        `Content-Type: message/rfc822\nContent-Disposition: attachment\n\n${reportMail().toString('latin1')}`,
      ],
    );
    expect(summary(await unpackAll(forwarded, 'fwd.eml'))).toEqual([
      'xml: fwd.eml > attachment 1 (message/rfc822) > google.com!example.com!1!2.xml.gz',
    ]);
  });

  it('stops at the nesting limit for messages forwarded inside messages', async () => {
    let message = reportMail();
    for (let i = 0; i < 6; i++) {
      message = multipart(
        ['From: a@example.com', `Subject: Fwd ${i}`, 'MIME-Version: 1.0'],
        [`Content-Type: message/rfc822\n\n${message.toString('latin1')}`],
      );
    }
    const parts = await unpackAll(message, 'deep.eml');
    expect(parts.map((p) => (p.type === 'error' ? p.error.code : p.type))).toEqual(['too_deep']);
  });

  it('turns an ARF failure report into one failure-report part, even with a base64 feedback part inside multipart/mixed', async () => {
    const feedback = 'Feedback-Type: auth-failure\nVersion: 1\nAuth-Failure: dmarc\nReported-Domain: example.com\n';
    const arf = multipart(
      ['From: abuse@163.com', 'Subject: [Netease DMARC Failure Report] Hello', 'MIME-Version: 1.0'],
      [
        TEXT_PART,
        attachment('message/feedback-report', Buffer.from(feedback), 'ATT00001'),
        `Content-Type: message/rfc822\n\n${reportMail().toString('latin1')}`,
      ],
    );
    expect(await unpackAll(arf, 'arf.eml')).toEqual([{ type: 'arf', name: 'arf.eml', raw: expect.any(Uint8Array) }]);
    const declared = multipart(
      ['From: dmarc@linkedin.com', 'Subject: x', 'MIME-Version: 1.0'],
      [TEXT_PART],
      'multipart/report',
      '; report-type=feedback-report',
    );
    expect(await unpackAll(declared, 'r.eml')).toEqual([{ type: 'arf', name: 'r.eml', raw: expect.any(Uint8Array) }]);
  });

  it('recognises a failure report without ARF part (Exim), but not an e-mail about failure reports', async () => {
    const exim = mail(
      [
        'From: no-reply@mailgate.example.net',
        'Subject: DMARC Forensic Report for example.com from IP 203.0.113.68',
        'MIME-Version: 1.0',
        'Content-Type: text/plain',
      ],
      'A message claiming to be from you has failed the published DMARC policy.\n\nReceived: from [203.0.113.68]\nAuthentication-Results: mx; dmarc=fail\n',
    );
    expect(await unpackAll(exim, 'exim.eml')).toEqual([{ type: 'arf', name: 'exim.eml', raw: expect.any(Uint8Array) }]);
    const question = mail(
      ['From: boss@example.com', 'Subject: Re: DMARC failure report for example.com', 'Content-Type: text/plain'],
      'Received: your note, thanks.\n',
    );
    expect(await onlyPart(question, 'q.eml')).toMatchObject({ type: 'error', error: { code: 'no_report' } });
    const prose = mail(
      ['From: boss@example.com', 'Subject: What is a DMARC failure report?', 'Content-Type: text/plain'],
      'Just curious.\n',
    );
    expect(await onlyPart(prose, 'p.eml')).toMatchObject({ type: 'error', error: { code: 'no_report' } });
  });

  it('recognises TLS reports: declared by report-type, or a (gzipped) JSON attachment', async () => {
    const declared = multipart(
      ['From: tls@google.com', 'Subject: Report Domain: example.com', 'MIME-Version: 1.0'],
      [TEXT_PART, attachment('application/tlsrpt+gzip', zlib.gzipSync(TLS_JSON), 'r.json.gz')],
      'multipart/report',
      '; report-type="tlsrpt"',
    );
    // the declared report's attachment is the report (the text part beside it is passed over)
    expect(summary(await unpackAll(declared, 'tls.eml'))).toEqual(['tlsrpt: tls.eml > r.json.gz']);
    const undeclared = multipart(
      ['From: tls@example.net', 'Subject: TLS report', 'MIME-Version: 1.0'],
      [attachment('application/octet-stream', zlib.gzipSync(TLS_JSON), 'r.json.gz')],
    );
    const parts = await unpackAll(undeclared, 'u.eml');
    expect(summary(parts)).toEqual(['tlsrpt: u.eml > r.json.gz']);
    // the part streams the decompressed JSON, afresh on every open
    expect((await readPart(parts[0]!)).toString('utf8')).toBe(TLS_JSON);
    expect((await readPart(parts[0]!)).toString('utf8')).toBe(TLS_JSON);
  });

  it('reports an e-mail without a report, naming the part types it saw', async () => {
    const plain = mail(['From: a@example.com', 'Subject: hello', 'Content-Type: text/plain'], 'You are a sausage!');
    expect(await onlyPart(plain, 'n.eml')).toEqual({
      type: 'error',
      name: 'n.eml',
      error: expect.objectContaining({ code: 'no_report', message: 'e-mail carries no DMARC report (text/plain)' }),
    });
    const logo = multipart(
      ['From: a@example.com', 'Subject: hello', 'MIME-Version: 1.0'],
      [TEXT_PART, attachment('image/png', Buffer.from([0x89, 0x50, 0x4e, 0x47]), 'logo.png')],
    );
    expect(await onlyPart(logo, 'l.eml')).toMatchObject({
      error: { code: 'no_report', message: 'e-mail carries no DMARC report (text/plain, image/png)' },
    });
    const headersOnly = mail(['From: a@example.com', 'Subject: empty'], '');
    expect(await onlyPart(headersOnly, 'h.eml')).toMatchObject({
      error: { code: 'no_report', message: 'e-mail carries no DMARC report (no content)' },
    });
  });

  it('passes over images and signatures next to a report, but reports an unreadable attachment', async () => {
    const input = multipart(REPORT_HEADERS, [
      TEXT_PART,
      attachment('image/png', Buffer.from([0x89, 0x50, 0x4e, 0x47]), 'logo.png'),
      attachment('application/gzip', zlib.gzipSync(xml), 'r.xml.gz'),
      attachment('application/pkcs7-signature', Buffer.from([0x30, 0x82, 1, 2]), 'smime.p7s'),
      attachment('application/pdf', Buffer.from('%PDF-1.4 binary'), 'summary.pdf'),
    ]);
    expect(summary(await unpackAll(input, 'm.eml'))).toEqual([
      'xml: m.eml > r.xml.gz',
      'error unrecognised: m.eml > summary.pdf',
    ]);
  });

  it('reports an attachment that should be a report but is unreadable', async () => {
    const input = multipart(REPORT_HEADERS, [
      TEXT_PART,
      attachment('application/zip', Buffer.from('PK\x03\x04 definitely not a zip'), 'r.zip'),
    ]);
    const parts = await unpackAll(input, 'm.eml');
    expect(summary(parts), show(parts)).toEqual(['error corrupt_zip: m.eml > r.zip']);
  });

  it('recognises a TLS report pasted into the body', async () => {
    const input = mail(
      ['From: tls@example.net', 'Subject: TLS report', 'Content-Type: text/plain'],
      `Report:\n${TLS_JSON}\n`,
    );
    const parts = await unpackAll(input, 't.eml');
    expect(summary(parts)).toEqual(['tlsrpt: t.eml > message body']);
    // the JSON object alone, without the words before it
    expect(JSON.parse((await readPart(parts[0]!)).toString('utf8'))).toEqual(JSON.parse(TLS_JSON));
  });

  it('reports an e-mail whose headers exceed what the MIME parser accepts', async () => {
    const huge = Array.from({ length: 40_000 }, (_, i) => `X-Filler-${i}: ${'y'.repeat(60)}`);
    const part = await onlyPart(mail(['From: a@example.com', ...huge], 'body'), 'h.eml');
    expect(part).toMatchObject({
      type: 'error',
      error: { code: 'unrecognised', message: expect.stringMatching(/^unreadable e-mail/) },
    });
  });

  it('holds a compressed e-mail, which must be read whole, to the input size limit', async () => {
    const padded = multipart(REPORT_HEADERS, [`Content-Type: text/plain\n\n${'Lorem ipsum. '.repeat(1000)}`]);
    const gz = zlib.gzipSync(padded);
    expect(gz.length).toBeLessThan(4096);
    const part = await onlyPart(gz, 'm.eml.gz', { maxInputBytes: 4096 });
    expect(part).toMatchObject({
      type: 'error',
      error: { code: 'too_large', message: expect.stringMatching(/^nested e-mail exceeds the limit of 4 KiB/) },
    });
  });

  it('reports MIME nesting beyond reason as too_deep', async () => {
    let body = TEXT_PART;
    for (let i = 0; i < 60; i++)
      body = `Content-Type: multipart/mixed; boundary="n${i}"\n\n--n${i}\n${body}\n--n${i}--`;
    const input = Buffer.from(`From: a@example.com\nSubject: deep\nMIME-Version: 1.0\n${body}\n`);
    expect(await onlyPart(input, 'd.eml')).toMatchObject({
      type: 'error',
      error: { code: 'too_deep', message: expect.stringMatching(/unreadable e-mail/) },
    });
  });
});

describe('mbox', () => {
  const message = (i: number, extra = ''): string =>
    mail(
      [`From: reporter${i}@example.net`, `Subject: Report ${i}`, 'MIME-Version: 1.0', 'Content-Type: text/xml'],
      REPORT_XML.replace('r-42', `r-${i}${extra}`),
    ).toString('latin1');

  it('unpacks every message, naming them in order, and unescapes >From lines', async () => {
    const escaped = '\n<!--\n>From the escaped line\n>>From the mboxrd line\n-->';
    const mbox = [1, 2, 3]
      .map((i) => `From reporter${i}@example.net Mon Jan  1 00:00:0${i} 2024\n${message(i, i === 2 ? escaped : '')}\n`)
      .join('');
    const parts = await unpackAll(Buffer.from(mbox, 'latin1'), 'reports.mbox');
    expect(summary(parts)).toEqual([1, 2, 3].map((i) => `xml: reports.mbox > message ${i} > attachment 1 (text/xml)`));
    const second = (await readPart(parts[1] as UnpackedPart)).toString('latin1');
    expect(second).toContain('r-2');
    expect(second).toContain('\nFrom the escaped line\n>From the mboxrd line\n');
  });

  it('treats a single e-mail behind an mbox From line as that e-mail', async () => {
    const input = Buffer.from(
      `From MAILER-DAEMON Tue Apr 30 02:09:00 2019\r\n${reportMail().toString('latin1').replace(/\n/g, '\r\n')}`,
      'latin1',
    );
    expect(summary(await unpackAll(input, 'one.eml'))).toEqual(['xml: one.eml > google.com!example.com!1!2.xml.gz']);
  });

  it('finds no message in what holds no From line, and none in an empty one', () => {
    expect(splitMbox(Buffer.from('no separator here\n'))).toEqual([]);
    expect(splitMbox(Buffer.from('From a@b Mon Jan  1 00:00:00 2024\n'))).toEqual([]);
  });

  it('does not split at a "From " line inside a paragraph', async () => {
    const input = Buffer.from(
      `From a@b Mon Jan  1 00:00:00 2024\nFrom: a@b\nSubject: s\nContent-Type: text/plain\n\nhello\nFrom here on, prose.\n`,
      'latin1',
    );
    expect(summary(await unpackAll(input, 'x.mbox'))).toEqual(['error no_report: x.mbox']);
  });
});
