// The Domain page's route (/domains/<domain>, also under /o/<slug>): a policy domain in the path, normalised to
// lower case; anything that is not a domain name is the not-found page, never a request with a stray path.
import { describe, expect, it } from 'vitest';
import { domainHref, matchRoute } from '../../web/src/lib/routes';

describe('domain page route', () => {
  it('maps /domains/<domain> to the domain page', () => {
    expect(matchRoute('/domains/example.com')).toEqual({ page: 'domain', params: { domain: 'example.com' } });
    expect(matchRoute('/o/acme/domains/Mail.Example.ORG')).toEqual({
      page: 'domain',
      params: { domain: 'mail.example.org' },
    });
    expect(matchRoute('/domains/example.com/')).toEqual({ page: 'domain', params: { domain: 'example.com' } });
    expect(matchRoute(domainHref('_dmarc-test.example.com')).params.domain).toBe('_dmarc-test.example.com');
  });

  it('rejects what is not a domain name', () => {
    for (const bad of [
      '/domains/',
      '/domains/exa mple.com',
      '/domains/%3Cscript%3E',
      '/domains/-bad.example',
      '/domains/a..b',
      `/domains/${'a'.repeat(64)}.com`,
      '/domains/example.com/dns/extra',
      '/domains/%E2',
    ]) {
      expect(matchRoute(bad).page, bad).toBe('not-found');
    }
  });
});
