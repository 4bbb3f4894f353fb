// Organisations in the dashboard's URLs (/o/<slug>/<page...>) and in its API requests (/api/orgs/<slug>/...):
// the pure parts, without a browser.
import { describe, expect, it } from 'vitest';
import { orgPath } from '../../web/src/lib/api';
import {
  canonicalHref,
  matchRoute,
  resolveOrg,
  safeNext,
  splitOrg,
  switchOrgHref,
  withOrg,
  type OrgChoice,
} from '../../web/src/lib/routes';
import { slugFrom, slugProblem } from '../../web/src/lib/slug';

const ACME: OrgChoice = { id: 1, slug: 'acme', name: 'Acme', role: 'admin' };
const GLOBEX: OrgChoice = { id: 2, slug: 'globex', name: 'Globex', role: 'viewer' };

describe('organisation in the URL', () => {
  it('splits /o/<slug> from the page path', () => {
    expect(splitOrg('/o/acme/reports')).toEqual({ org: 'acme', path: '/reports' });
    expect(splitOrg('/o/acme')).toEqual({ org: 'acme', path: '/' });
    expect(splitOrg('/o/acme/')).toEqual({ org: 'acme', path: '/' });
    expect(splitOrg('/o/acme/reports/42')).toEqual({ org: 'acme', path: '/reports/42' });
    expect(splitOrg('/reports')).toEqual({ org: null, path: '/reports' });
    expect(splitOrg('/')).toEqual({ org: null, path: '/' });
    expect(splitOrg('/o')).toEqual({ org: null, path: '/o' });
    expect(splitOrg('/o/%E2%9C%93/x')).toEqual({ org: '✓', path: '/x' });
    expect(splitOrg('/o/%E2/x')).toEqual({ org: '%E2', path: '/x' });
  });

  it('maps the pages under /o/<slug> like the plain ones', () => {
    expect(matchRoute('/o/acme')).toEqual({ page: 'overview', params: {} });
    expect(matchRoute('/o/acme/')).toEqual({ page: 'overview', params: {} });
    expect(matchRoute('/o/acme/reports')).toEqual({ page: 'reports', params: {} });
    expect(matchRoute('/o/acme/reports/7')).toEqual({ page: 'report', params: { id: '7' } });
    expect(matchRoute('/o/acme/settings/users').page).toBe('users');
    expect(matchRoute('/o/acme/nope').page).toBe('not-found');
    expect(matchRoute('/settings/organizations')).toEqual({ page: 'organizations', params: {} });
    expect(matchRoute('/o/acme/settings/organizations/globex')).toEqual({
      page: 'organization',
      params: { slug: 'globex' },
    });
    expect(matchRoute('/settings/organizations/Not_A_Slug').page).toBe('not-found');
    // the alerting pages: not under /alerts, which is the API's alias
    expect(matchRoute('/alerting')).toEqual({ page: 'alerts', params: {} });
    expect(matchRoute('/o/acme/alerting/12')).toEqual({ page: 'alert', params: { id: '12' } });
    expect(matchRoute('/alerting/rules').page).toBe('alert-rules');
    expect(matchRoute('/alerting/suppressions').page).toBe('suppressions');
    expect(matchRoute('/alerting/channels').page).toBe('channels');
    expect(matchRoute('/settings/digests').page).toBe('digests');
    expect(matchRoute('/o/acme/settings/digests').page).toBe('digests');
    expect(matchRoute('/settings/outputs').page).toBe('outputs');
    expect(matchRoute('/alerting/abc').page).toBe('not-found');
    expect(matchRoute('/alerts').page).toBe('not-found');
    // a domain's DNS records
    expect(matchRoute('/domains/example.com/dns')).toEqual({ page: 'domain-dns', params: { domain: 'example.com' } });
    expect(matchRoute('/o/acme/domains/ex%2Dample.com/dns')).toEqual({
      page: 'domain-dns',
      params: { domain: 'ex-ample.com' },
    });
    // what is no domain name (a malformed escape, a space) is no page of one
    expect(matchRoute('/domains/%E2/dns').page).toBe('not-found');
    expect(matchRoute('/domains/a%20b/dns').page).toBe('not-found');
    expect(matchRoute('/domains/Example.COM/dns').params).toEqual({ domain: 'example.com' });
    expect(matchRoute('/domains/example.com').page).toBe('domain');
    expect(matchRoute('/domains//dns').page).toBe('not-found');
  });

  it('puts app paths inside the prefix, and leaves others alone', () => {
    expect(withOrg('acme', '/')).toBe('/o/acme');
    expect(withOrg('acme', '/?range=all')).toBe('/o/acme?range=all');
    expect(withOrg('acme', '/reports?domain=x.com')).toBe('/o/acme/reports?domain=x.com');
    expect(withOrg('acme', '/reports#top')).toBe('/o/acme/reports#top');
    expect(withOrg('acme', '/o/globex/reports')).toBe('/o/globex/reports');
    expect(withOrg('acme', '//evil.example/')).toBe('//evil.example/');
    expect(withOrg('acme', 'https://example.com/')).toBe('https://example.com/');
    expect(withOrg(null, '/reports')).toBe('/reports');
  });

  it("resolves the page's organisation: the URL's, else the default one", () => {
    const me = { organization: ACME, organizations: [ACME, GLOBEX] };
    expect(resolveOrg(null, me)).toEqual({ kind: 'org', org: ACME, multi: true });
    expect(resolveOrg('globex', me)).toEqual({ kind: 'org', org: GLOBEX, multi: true });
    expect(resolveOrg('initech', me)).toEqual({ kind: 'no-access', slug: 'initech', fallback: ACME, multi: true });
    const single = { organization: ACME, organizations: [ACME] };
    expect(resolveOrg(null, single)).toEqual({ kind: 'org', org: ACME, multi: false });
    expect(resolveOrg('acme', single)).toEqual({ kind: 'org', org: ACME, multi: false });
    expect(resolveOrg('globex', single)).toMatchObject({ kind: 'no-access', fallback: ACME, multi: false });
    expect(resolveOrg(null, { organization: null, organizations: [] })).toEqual({ kind: 'none' });
    expect(resolveOrg('acme', { organization: null, organizations: [] })).toMatchObject({
      kind: 'no-access',
      fallback: null,
    });
  });

  it('keeps the slug in the URL only for users of several organisations', () => {
    expect(canonicalHref('/reports', '?domain=x.com', 'acme', true)).toBe('/o/acme/reports?domain=x.com');
    expect(canonicalHref('/', '', 'acme', true)).toBe('/o/acme');
    expect(canonicalHref('/reports', '?domain=x.com', 'acme', false)).toBe('/reports?domain=x.com');
  });

  it('switches organisation on the same page with the same filters, but not on an object of the other one', () => {
    expect(switchOrgHref('/reports', '?domain=x.com&range=30d', 'globex')).toBe(
      '/o/globex/reports?domain=x.com&range=30d',
    );
    expect(switchOrgHref('/', '?from=2024-01-01&to=2024-01-31', 'globex')).toBe(
      '/o/globex?from=2024-01-01&to=2024-01-31',
    );
    expect(switchOrgHref('/reports/42', '?domain=x.com', 'globex')).toBe('/o/globex/reports?domain=x.com');
    expect(switchOrgHref('/alerting/42', '?state=open', 'globex')).toBe('/o/globex/alerting?state=open');
    expect(switchOrgHref('/reports', '?sort=messages&cursor=abc&page=3', 'globex')).toBe(
      '/o/globex/reports?sort=messages',
    );
    expect(switchOrgHref('/sources', '?ip=192.0.2.1', 'globex')).toBe('/o/globex/sources?ip=192.0.2.1');
    expect(switchOrgHref('/settings/users', '', 'globex')).toBe('/o/globex/settings/users');
    expect(switchOrgHref('/reports/tls/5', '?domain=x.com', 'globex')).toBe('/o/globex/reports/tls?domain=x.com');
    expect(switchOrgHref('/reports/failures/5', '?source_ip=192.0.2.1&cursor=a', 'globex')).toBe(
      '/o/globex/reports/failures?source_ip=192.0.2.1',
    );
  });

  it('maps the SMTP TLS and failure report pages, beside the aggregate ones', () => {
    expect(matchRoute('/reports/tls')).toEqual({ page: 'tls-reports', params: {} });
    expect(matchRoute('/o/acme/reports/tls/12')).toEqual({ page: 'tls-report', params: { id: '12' } });
    expect(matchRoute('/reports/failures/')).toEqual({ page: 'failure-reports', params: {} });
    expect(matchRoute('/reports/failures/7')).toEqual({ page: 'failure-report', params: { id: '7' } });
    expect(matchRoute('/reports/tls/abc').page).toBe('not-found');
    expect(matchRoute('/reports/failures/1/x').page).toBe('not-found');
    expect(matchRoute('/reports/3')).toEqual({ page: 'report', params: { id: '3' } });
  });

  it('returns to a page of an organisation after login', () => {
    expect(safeNext('/o/acme/reports?domain=x.com')).toBe('/o/acme/reports?domain=x.com');
    expect(safeNext('/o/acme/login')).toBe('/');
  });
});

describe('organisation in API requests', () => {
  it('sends tenant requests to /api/orgs/<slug>/...', () => {
    expect(orgPath('/api/reports?domain=x.com', 'acme')).toBe('/api/orgs/acme/reports?domain=x.com');
    expect(orgPath('/api/upload', 'acme')).toBe('/api/orgs/acme/upload');
    expect(orgPath('/api/users/3/keys', 'acme')).toBe('/api/orgs/acme/users/3/keys');
    expect(orgPath('/api/about', 'acme')).toBe('/api/about');
    expect(orgPath('/api/sources/192.0.2.1', 'acme')).toBe('/api/orgs/acme/sources/192.0.2.1');
  });
  it('leaves the default organisation, the caller, the organisations and non-API paths as written', () => {
    expect(orgPath('/api/reports', null)).toBe('/api/reports');
    expect(orgPath('/api/me', 'acme')).toBe('/api/me');
    expect(orgPath('/api/orgs', 'acme')).toBe('/api/orgs');
    expect(orgPath('/api/orgs/globex/members', 'acme')).toBe('/api/orgs/globex/members');
    expect(orgPath('/auth/admin-session', 'acme')).toBe('/auth/admin-session');
    expect(orgPath('/api/organizations', 'acme')).toBe('/api/orgs/acme/organizations');
  });
});

describe('organisation slugs in the admin page', () => {
  it('are checked as the server checks them', () => {
    expect(slugProblem('acme-corp')).toBeNull();
    expect(slugProblem('a')).toBeNull();
    expect(slugProblem('')).toBe('Give a slug.');
    expect(slugProblem('Acme')).toMatch(/cannot be a slug/);
    expect(slugProblem('-acme')).toMatch(/cannot be a slug/);
    expect(slugProblem('acme-')).toMatch(/cannot be a slug/);
    expect(slugProblem('a'.repeat(64))).toMatch(/cannot be a slug/);
    expect(slugProblem('a'.repeat(63))).toBeNull();
  });
  it('are suggested from the name', () => {
    expect(slugFrom('Acme Corp.')).toBe('acme-corp');
    expect(slugFrom('  Société Générale ')).toBe('societe-generale');
    expect(slugFrom('---')).toBe('');
    expect(SLUG_OK(slugFrom(`${'x'.repeat(62)} y`))).toBe(true);
  });
});

const SLUG_OK = (s: string): boolean => slugProblem(s) === null;
