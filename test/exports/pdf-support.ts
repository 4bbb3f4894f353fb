// Shared by the PDF report suites: a data set with names in many scripts (Mail.Ru, Cyrillic, Greek, Chinese,
// Japanese reporters; an IDN domain), failing sources with their DKIM/SPF results, an override reason, over two
// weeks (so that the second week has a previous period to compare with); and poppler (pdftotext, pdftoppm) to
// read a PDF back as text and as pixels.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';
import { expect } from 'vitest';
import { runIdentification } from '../../src/enrich/identify-sources.js';
import { upsertEnrichments, type NewIpEnrichment } from '../../src/store/ip-enrichment.js';
import { multipart, type TestApi } from '../api/helpers.js';

const run = promisify(execFile);

export const REPORTERS = ['Mail.Ru', 'Почта России', 'Ελληνικά Ταχυδρομεία', '中国电信', '日本郵便', 'Google'];
export const IDN_DOMAIN = 'xn--bcher-kva.example';
export const IDN_UNICODE = 'bücher.example';
export const DOMAIN = 'example.com';
/** 2026-01-01 00:00 UTC. */
const DAY0 = 1_767_225_600;
/** The second week (its previous period is the first). */
export const PERIOD = { from: '2026-01-08', to: '2026-01-14' };

interface Rec {
  ip: string;
  count: number;
  dkim: 'pass' | 'fail';
  spf: 'pass' | 'fail';
  disposition?: string;
  from?: string;
  dkimAuth?: [string, string][];
  spfAuth?: [string, string][];
  reason?: string;
}

function xml(o: { reporter: string; id: string; domain: string; begin: number; p?: string; records: Rec[] }): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const records = o.records
    .map(
      (r) => `<record><row><source_ip>${r.ip}</source_ip><count>${r.count}</count>
  <policy_evaluated><disposition>${r.disposition ?? 'none'}</disposition><dkim>${r.dkim}</dkim><spf>${r.spf}</spf>${
    r.reason ? `<reason><type>${r.reason}</type></reason>` : ''
  }</policy_evaluated></row>
  <identifiers><header_from>${r.from ?? o.domain}</header_from></identifiers>
  <auth_results>${(r.dkimAuth ?? [])
    .map(([d, res]) => `<dkim><domain>${d}</domain><selector>s1</selector><result>${res}</result></dkim>`)
    .join('')}${(r.spfAuth ?? [[o.domain, r.spf === 'pass' ? 'pass' : 'fail']])
    .map(([d, res]) => `<spf><domain>${d}</domain><result>${res}</result></spf>`)
    .join('')}</auth_results></record>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<feedback>
  <report_metadata><org_name>${esc(o.reporter)}</org_name><email>dmarc@reporter.test</email>
    <report_id>${o.id}</report_id><date_range><begin>${o.begin}</begin><end>${o.begin + 86_399}</end></date_range>
  </report_metadata>
  <policy_published><domain>${o.domain}</domain><adkim>r</adkim><aspf>r</aspf><p>${o.p ?? 'none'}</p>
    <sp>quarantine</sp><pct>100</pct></policy_published>
  ${records}
</feedback>`;
}

/** The data set's reports: 14 days for example.com, a few for the IDN domain. */
export function datasetFiles(prefix = 'pdf'): { name: string; bytes: Buffer }[] {
  const files: { name: string; bytes: Buffer }[] = [];
  for (let i = 0; i < 14; i++) {
    const reporter = REPORTERS[i % REPORTERS.length]!;
    files.push({
      name: `${prefix}-${i}.xml`,
      bytes: Buffer.from(
        xml({
          reporter,
          id: `${prefix}-${i}`,
          domain: DOMAIN,
          begin: DAY0 + i * 86_400,
          records: [
            {
              ip: '209.85.220.41',
              count: 40 + i,
              dkim: 'pass',
              spf: 'pass',
              dkimAuth: [[DOMAIN, 'pass']],
            },
            {
              ip: '167.89.1.1',
              count: 20,
              dkim: 'fail',
              spf: 'pass',
              dkimAuth: [['sendgrid.net', 'pass']],
              spfAuth: [[DOMAIN, 'pass']],
            },
            {
              ip: '185.70.40.1',
              count: 5 + (i % 3),
              dkim: 'fail',
              spf: 'fail',
              disposition: i >= 7 ? 'quarantine' : 'none',
              dkimAuth: [['evil.example', 'fail']],
              spfAuth: [['bounce.evil.example', 'softfail']],
            },
            {
              ip: '81.2.69.160',
              count: 3,
              dkim: 'fail',
              spf: 'fail',
              spfAuth: [['lists.example.org', 'pass']],
              reason: 'mailing_list',
            },
          ],
        }),
      ),
    });
  }
  for (let i = 7; i < 10; i++) {
    files.push({
      name: `${prefix}-idn-${i}.xml`,
      bytes: Buffer.from(
        xml({
          reporter: '日本郵便',
          id: `${prefix}-idn-${i}`,
          domain: IDN_DOMAIN,
          begin: DAY0 + i * 86_400,
          p: 'reject',
          records: [{ ip: '203.0.113.9', count: 11, dkim: 'pass', spf: 'fail', dkimAuth: [[IDN_DOMAIN, 'pass']] }],
        }),
      ),
    });
  }
  return files;
}

const enrichment = (ip: string, o: Partial<NewIpEnrichment>): NewIpEnrichment => ({
  ip,
  country: null,
  asn: null,
  asOrg: null,
  region: null,
  city: null,
  latitude: null,
  longitude: null,
  ptr: null,
  fcrdns: null,
  baseDomain: null,
  reserved: null,
  dnsStatus: 'ok',
  ...o,
});

export const ENRICHED: NewIpEnrichment[] = [
  enrichment('209.85.220.41', {
    country: 'US',
    asn: 15169,
    asOrg: 'GOOGLE',
    ptr: 'mail-sor-f41.google.com',
    fcrdns: true,
    baseDomain: 'google.com',
  }),
  enrichment('167.89.1.1', {
    country: 'US',
    asn: 11377,
    asOrg: 'SENDGRID',
    ptr: 'o1.ptr1234.sendgrid.net',
    fcrdns: true,
    baseDomain: 'sendgrid.net',
  }),
  enrichment('185.70.40.1', { country: 'RU', asn: 64500, asOrg: 'Почтовый хостинг', ptr: 'mx.evil.example' }),
  enrichment('81.2.69.160', { country: 'GB', asn: 20712, asOrg: 'Andrews & Arnold Ltd', ptr: 'mx1.lists.example.org' }),
];

/** Uploads the data set into the organisation (`slug`; default: the caller's default one) and identifies senders. */
export async function seedDataset(
  api: TestApi,
  o: { slug?: string; orgId: number; files?: { name: string; bytes: Buffer }[] },
): Promise<void> {
  const body = multipart(o.files ?? datasetFiles());
  const r = await api.inject({
    method: 'POST',
    url: o.slug ? `/api/orgs/${o.slug}/upload` : '/api/upload',
    payload: body.payload,
    headers: body.headers,
  });
  expect(r.statusCode, r.body).toBe(200);
  await api.queue.drain();
  await upsertEnrichments(api.db, ENRICHED);
  const id = await runIdentification(api.db, { orgId: o.orgId, scope: 'all' });
  expect(id.done).toBe(true);
  await api.cache.invalidate(o.orgId);
}

async function withTemp<T>(pdf: Buffer, fn: (file: string, dir: string) => Promise<T>): Promise<T> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dmarc-pdf-'));
  try {
    const file = path.join(dir, 'r.pdf');
    await fs.writeFile(file, pdf);
    return await fn(file, dir);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** The text of a PDF as poppler's pdftotext extracts it (UTF-8, reading order). */
export function pdfText(pdf: Buffer): Promise<string> {
  return withTemp(pdf, async (file) => (await run('pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'])).stdout);
}

export interface PdfInfo {
  pages: number;
  title: string | undefined;
}

export function pdfInfo(pdf: Buffer): Promise<PdfInfo> {
  return withTemp(pdf, async (file) => {
    const out = (await run('pdfinfo', ['-enc', 'UTF-8', file])).stdout;
    return {
      pages: Number(/^Pages:\s+(\d+)/m.exec(out)?.[1] ?? 0),
      title: /^Title:\s+(.*)$/m.exec(out)?.[1],
    };
  });
}

/** Per page, the share of pixels that are not white, rendered by pdftoppm at `dpi`. */
export function pageInk(pdf: Buffer, dpi = 30, keepPng?: string): Promise<number[]> {
  return withTemp(pdf, async (file, dir) => {
    await run('pdftoppm', ['-r', String(dpi), '-png', file, path.join(dir, 'p')]);
    const pngs = (await fs.readdir(dir)).filter((f) => f.endsWith('.png')).sort();
    const out: number[] = [];
    for (const f of pngs) {
      const bytes = await fs.readFile(path.join(dir, f));
      if (keepPng) await fs.writeFile(path.join(keepPng, f), bytes);
      const png = PNG.sync.read(bytes);
      let ink = 0;
      for (let i = 0; i < png.data.length; i += 4) {
        if (png.data[i]! < 235 || png.data[i + 1]! < 235 || png.data[i + 2]! < 235) ink += 1;
      }
      out.push(ink / (png.width * png.height));
    }
    return out;
  });
}

/** pdftotext puts table cells on lines of their own; spaces and line ends are not part of what a test looks for. */
export function flat(text: string): string {
  return text.replace(/\s+/g, ' ');
}
