// The sender catalogue (src/enrich/senders/catalogue.json): its size and coverage, the rules every entry keeps,
// the checks that reject a broken catalogue at load, and the index that looks names up by label suffix.
import { describe, expect, it } from 'vitest';
import { CatalogueIndex } from '../../src/enrich/senders/catalogue-index.js';
import {
  CATALOGUE,
  PATTERN_KINDS,
  SENDER_TYPES,
  parseCatalogue,
  patternsOf,
  type CatalogueService,
} from '../../src/enrich/senders/catalogue.js';
import { AppError } from '../../src/model/errors.js';

// Written independently of the module's own check: labels of letters, digits and inner hyphens, two or more.
const DOMAIN = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

const services = CATALOGUE.services;

function service(id: string): CatalogueService {
  const s = services.find((x) => x.id === id);
  if (!s) throw new Error(`no service ${id}`);
  return s;
}

describe('the shipped catalogue', () => {
  it('holds at least 150 services with unique ids, and uses every type', () => {
    expect(services.length).toBeGreaterThanOrEqual(150);
    const ids = services.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    const byType = new Map<string, number>();
    for (const s of services) byType.set(s.type, (byType.get(s.type) ?? 0) + 1);
    for (const t of SENDER_TYPES) expect(byType.get(t) ?? 0, t).toBeGreaterThanOrEqual(10);
  });

  it('gives every service a name and at least one PTR, DKIM or SPF pattern', () => {
    for (const s of services) {
      expect(s.name.trim(), s.id).not.toBe('');
      expect(s.ptr.length + s.dkim.length + s.spf.length, s.id).toBeGreaterThan(0);
      expect(s.id, s.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    }
  });

  it('writes every domain pattern as a valid lower-case domain, every selector and ASN in range', () => {
    for (const s of services) {
      for (const d of [...s.ptr, ...s.dkim, ...s.spf]) {
        expect(d, `${s.id}: ${d}`).toMatch(DOMAIN);
        expect(d.length, `${s.id}: ${d}`).toBeLessThanOrEqual(253);
      }
      for (const sel of s.selectors) expect(sel, `${s.id}: ${sel}`).toMatch(/^[a-z0-9][a-z0-9._-]*$/);
      for (const n of s.asns) {
        expect(Number.isInteger(n) && n > 0 && n < 2 ** 32, `${s.id}: AS${n}`).toBe(true);
      }
    }
  });

  it('lets no two services claim a pattern unless it is declared shared, with one of them as owner', () => {
    const claims = new Map<string, string[]>();
    for (const s of services) {
      for (const kind of PATTERN_KINDS) {
        for (const v of patternsOf(s, kind)) {
          const key = `${kind} ${v}`;
          claims.set(key, [...(claims.get(key) ?? []), s.id]);
        }
      }
    }
    const shared = new Map(CATALOGUE.shared.map((e) => [`${e.kind} ${String(e.value)}`, e]));
    for (const [key, ids] of claims) {
      expect(new Set(ids).size, `${key} listed twice by one service`).toBe(ids.length);
      if (ids.length > 1) {
        expect(shared.has(key), `${key}: ${ids.join(', ')}`).toBe(true);
        expect(ids).toContain(shared.get(key)!.owner);
      }
    }
    for (const key of shared.keys()) expect(claims.get(key)?.length ?? 0, key).toBeGreaterThan(1);
  });

  it('carries the well-known sending domains and networks', () => {
    expect(service('google').ptr).toContain('google.com');
    expect(service('google').asns).toContain(15169);
    expect(service('microsoft-365').ptr).toContain('outlook.com');
    expect(service('microsoft-365').asns).toContain(8075);
    expect(service('microsoft-365').selectors).toEqual(['selector1', 'selector2']);
    expect(service('amazon-ses').ptr).toContain('amazonses.com');
    expect(service('aws').asns).toEqual([16509, 14618]);
    expect(service('sendgrid').ptr).toContain('sendgrid.net');
    expect(service('sendgrid').asns).toContain(11377);
    expect(service('mailchimp').ptr).toEqual(expect.arrayContaining(['mcsv.net', 'rsgsv.net']));
    expect(service('mailgun').ptr).toEqual(expect.arrayContaining(['mailgun.net', 'mailgun.org']));
    expect(service('sparkpost').ptr).toContain('sparkpostmail.com');
    expect(service('postmark').ptr).toContain('mtasv.net');
    expect(service('mandrill').ptr).toContain('mandrillapp.com');
    expect(service('salesforce').spf).toContain('salesforce.com');
    expect(service('proofpoint').ptr).toContain('pphosted.com');
    expect(service('godaddy').ptr).toContain('secureserver.net');
    const names = services.map((s) => s.name).join(' | ');
    for (const n of ['Yahoo', 'iCloud', 'Zoho', 'Fastmail', 'Proton', 'GMX', 'Yandex', 'Mail.ru', 'HubSpot']) {
      expect(names).toContain(n);
    }
    for (const n of ['Zendesk', 'Freshworks', 'Intercom', 'Atlassian', 'GitHub', 'Shopify', 'Mimecast']) {
      expect(names).toContain(n);
    }
    for (const n of ['Barracuda', 'Cisco', 'Trend Micro', 'Sophos', 'Hornetsecurity', 'Google Groups', 'OVH']) {
      expect(names).toContain(n);
    }
    for (const n of ['Hetzner', 'IONOS', 'DigitalOcean', 'Linode']) expect(names).toContain(n);
  });
});

describe('parseCatalogue rejects a broken catalogue', () => {
  const ok = (over: Partial<Record<string, unknown>> = {}) => ({
    id: 'acme-mail',
    name: 'Acme Mail',
    type: 'transactional',
    ptr: ['acme-mail.example'],
    ...over,
  });
  const cat = (svcs: unknown[], shared: unknown[] = []) => ({ about: 'test', shared, services: svcs });

  function problems(input: unknown): string {
    try {
      parseCatalogue(input);
    } catch (e) {
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).code).toBe('sender_catalogue_invalid');
      expect((e as AppError).status).toBe(500);
      return (e as AppError).message;
    }
    throw new Error('accepted');
  }

  it('accepts a good one and fills the missing lists', () => {
    const c = parseCatalogue(cat([ok()]));
    expect(c.services[0]).toMatchObject({ dkim: [], selectors: [], spf: [], asns: [] });
  });

  it.each([
    ['an upper-case domain', cat([ok({ ptr: ['Acme.example'] })]), "not a lower-case domain name: 'Acme.example'"],
    ['a single label', cat([ok({ dkim: ['localhost'] })]), "not a lower-case domain name: 'localhost'"],
    ['a trailing dot', cat([ok({ spf: ['acme.example.'] })]), "not a lower-case domain name: 'acme.example.'"],
    ['a look of an IP', cat([ok({ ptr: ['192.0.2.1'] })]), "not a lower-case domain name: '192.0.2.1'"],
    ['a bad label', cat([ok({ ptr: ['-acme.example'] })]), "not a lower-case domain name: '-acme.example'"],
    ['an upper-case selector', cat([ok({ selectors: ['S1'] })]), "not a lower-case DKIM selector: 'S1'"],
    ['ASN 0', cat([ok({ asns: [0] })]), 'services.0.asns.0'],
    ['an unknown type', cat([ok({ type: 'bulk' })]), 'services.0.type'],
    ['an unknown field', cat([ok({ ptrs: ['x.example'] })]), 'ptrs'],
    ['a bad id', cat([ok({ id: 'Acme Mail' })]), 'id: a lower-case slug'],
    ['no services', cat([]), 'services'],
  ])('%s', (_name, input, expected) => {
    expect(problems(input)).toContain(expected);
  });

  it('a duplicate id, an ASN-only service, a pattern listed twice', () => {
    expect(problems(cat([ok(), ok({ ptr: ['other.example'] })]))).toContain("service 'acme-mail': id used twice");
    expect(problems(cat([ok({ ptr: [], asns: [64500] })]))).toContain('needs at least one PTR, DKIM or SPF pattern');
    expect(problems(cat([ok({ ptr: ['acme.example', 'acme.example'] })]))).toContain(
      "ptr pattern 'acme.example' listed twice",
    );
  });

  it('a pattern claimed by two services without a shared declaration; stale or wrong declarations', () => {
    const two = [ok(), ok({ id: 'other', ptr: ['acme-mail.example'] })];
    expect(problems(cat(two))).toContain('ptr acme-mail.example: claimed by acme-mail, other');
    const shared = (owner: string, value = 'acme-mail.example') => [{ kind: 'ptr', value, owner, note: 'relay' }];
    expect(parseCatalogue(cat(two, shared('acme-mail'))).services).toHaveLength(2);
    expect(problems(cat(two, shared('nobody')))).toContain("owner 'nobody' does not claim it");
    expect(problems(cat([ok()], shared('acme-mail')))).toContain('claimed by 1 service(s), not shared');
    expect(problems(cat(two, [...shared('acme-mail'), ...shared('other')]))).toContain('declared twice');
    const asnTwice = [ok({ asns: [64500] }), ok({ id: 'other', ptr: ['o.example'], asns: [64500] })];
    expect(problems(cat(asnTwice))).toContain('asn 64500: claimed by acme-mail, other');
  });

  it('lists every problem at once', () => {
    const msg = problems(cat([ok({ ptr: [] }), ok({ ptr: [] })]));
    expect(msg).toMatch(/^sender catalogue invalid \(3 problems\)/);
  });
});

describe('the catalogue index', () => {
  const index = new CatalogueIndex(
    parseCatalogue({
      about: 'test',
      shared: [],
      services: [
        { id: 'outer', name: 'Outer', type: 'hosting_isp', ptr: ['example.com'] },
        { id: 'inner', name: 'Inner', type: 'transactional', ptr: ['mail.example.com'], selectors: ['k9'] },
      ],
    }),
  );

  it('takes the most specific label-boundary suffix', () => {
    expect(index.matchName('ptr', 'o1.mail.example.com')?.claims[0]?.service.id).toBe('inner');
    expect(index.matchName('ptr', 'mail.example.com')?.pattern).toBe('mail.example.com');
    expect(index.matchName('ptr', 'o1.smtp.example.com')).toMatchObject({ pattern: 'example.com' });
    expect(index.matchName('ptr', 'example.com')?.claims[0]?.service.id).toBe('outer');
  });

  it('never matches across a label or past the end', () => {
    expect(index.matchName('ptr', 'badexample.com')).toBeNull();
    expect(index.matchName('ptr', 'example.com.evil.test')).toBeNull();
    expect(index.matchName('ptr', 'com')).toBeNull();
    expect(index.matchName('ptr', '')).toBeNull();
    expect(index.matchName('dkim', 'example.com')).toBeNull();
  });

  it('matches selectors and ASNs exactly', () => {
    expect(index.matchExact('selector', 'k9')?.claims[0]?.service.id).toBe('inner');
    expect(index.matchExact('selector', 'k99')).toBeNull();
    expect(index.matchExact('asn', '1')).toBeNull();
  });
});
