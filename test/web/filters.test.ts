import { describe, expect, it } from 'vitest';
import {
  addDays,
  apiQuery,
  undatedQuery,
  bucketEnd,
  describeFilters,
  filtersToParams,
  intervalFor,
  isCalendarDate,
  NOT_LOCATED,
  parseFilters,
  resolveRange,
  withFilters,
  withParams,
} from '../../web/src/lib/filters';
import { matchRoute, safeNext } from '../../web/src/lib/routes';

describe('URL → filters', () => {
  it('defaults to the last 30 days, everything else open', () => {
    expect(parseFilters('')).toEqual({ range: '30d' });
  });
  it('reads every filter', () => {
    expect(parseFilters('?domain=Example.COM.&range=90d&org=google.com&dmarc=fail')).toEqual({
      domain: 'example.com',
      range: '90d',
      org: 'google.com',
      dmarc: 'fail',
    });
  });
  it('reads the source filters: country (any case), AS number, sender', () => {
    expect(parseFilters('?country=de&asn=15169&sender=ptr%3Aexample.net')).toEqual({
      range: '30d',
      country: 'DE',
      asn: 15169,
      sender: 'ptr:example.net',
    });
    expect(parseFilters('?country=DEU&asn=AS1&sender=%20')).toEqual({ range: '30d' });
    expect(parseFilters('?asn=4294967296')).toEqual({ range: '30d' });
  });
  it('reads a custom range (and orders it)', () => {
    expect(parseFilters('from=2024-06-01&to=2024-06-30')).toMatchObject({
      range: 'custom',
      from: '2024-06-01',
      to: '2024-06-30',
    });
    expect(parseFilters('from=2024-06-30&to=2024-06-01')).toMatchObject({
      range: 'custom',
      from: '2024-06-01',
      to: '2024-06-30',
    });
  });
  it('drops what it cannot read instead of failing', () => {
    expect(parseFilters('range=12d&dmarc=maybe&from=2024-02-30&to=2024-03-01&domain=%20')).toEqual({ range: '30d' });
    expect(parseFilters('from=2024-06-01')).toEqual({ range: '30d' });
  });
  it('calendar dates are real dates', () => {
    expect(isCalendarDate('2024-02-29')).toBe(true);
    expect(isCalendarDate('2023-02-29')).toBe(false);
    expect(isCalendarDate('2024-6-1')).toBe(false);
    expect(isCalendarDate(null)).toBe(false);
  });
});

describe('filters → URL', () => {
  it('writes the source filters, and sends them to the API', () => {
    const f = { range: 'all' as const, country: 'DE', asn: 3320, sender: 'sendgrid' };
    expect(filtersToParams(f).toString()).toBe('range=all&country=DE&asn=3320&sender=sendgrid');
    expect(apiQuery(f, undefined)).toEqual({ period: 'all', country: 'DE', asn: '3320', sender: 'sendgrid' });
    expect(parseFilters(filtersToParams(f))).toEqual(f);
    expect(describeFilters(f)).toBe('All domains · All time · country DE · AS3320 · sender sendgrid');
    // ZZ: the sources not located (the countries answer's null item), said in words
    const zz = { range: 'all' as const, country: NOT_LOCATED };
    expect(filtersToParams(zz).toString()).toBe('range=all&country=ZZ');
    expect(apiQuery(zz, undefined)).toEqual({ period: 'all', country: 'ZZ' });
    // without domain and dates, for the forecasts (they fit their own weeks)
    const custom = {
      range: 'custom' as const,
      from: '2026-01-01',
      to: '2026-01-31',
      domain: 'a.example',
      dmarc: 'fail' as const,
      org: 'Google',
    };
    expect(undatedQuery(custom)).toEqual({ dmarc: 'fail', org: 'Google' });
    expect(undatedQuery({ range: 'all', sender: 'sendgrid' })).toEqual({ sender: 'sendgrid' });
    expect(describeFilters(zz)).toBe('All domains · All time · not located');
    // a new filter keeps the page's own parameters, drops the cursor
    expect(withFilters('?sort=sources&cursor=x', { range: '30d', country: 'FR' })).toBe('?country=FR&sort=sources');
  });
  it('leaves defaults out', () => {
    expect(filtersToParams({ range: '30d' }).toString()).toBe('');
    expect(filtersToParams({ range: '7d', domain: 'example.com' }).toString()).toBe('domain=example.com&range=7d');
    expect(filtersToParams({ range: 'custom', from: '2024-06-01', to: '2024-06-30', dmarc: 'pass' }).toString()).toBe(
      'from=2024-06-01&to=2024-06-30&dmarc=pass',
    );
  });
  it('round-trips', () => {
    for (const q of [
      '',
      'domain=example.com',
      'range=all&org=Mail.Ru',
      'from=2024-01-01&to=2024-01-31&dmarc=fail',
      'range=7d&org=a%26b',
    ]) {
      expect(filtersToParams(parseFilters(q)).toString()).toBe(q);
    }
  });
  it('keeps page parameters but drops the page position when filters change', () => {
    expect(withFilters('?sort=messages&cursor=abc&page=3&domain=a.com', { range: '7d', domain: 'b.com' })).toBe(
      '?domain=b.com&range=7d&sort=messages',
    );
    expect(withFilters('?domain=a.com', { range: '30d' })).toBe('');
  });
  it('sets and removes page parameters', () => {
    expect(withParams('?domain=a.com&cursor=x', { sort: 'org', cursor: null })).toBe('?domain=a.com&sort=org');
    expect(withParams('', { ip: '192.0.2.1' })).toBe('?ip=192.0.2.1');
  });
});

describe('date ranges', () => {
  const today = '2024-06-30';
  it('presets end today and include it', () => {
    expect(resolveRange({ range: '7d' }, today)).toEqual({ from: '2024-06-24', to: '2024-06-30' });
    expect(resolveRange({ range: '30d' }, today)).toEqual({ from: '2024-06-01', to: '2024-06-30' });
    expect(resolveRange({ range: '90d' }, today)).toEqual({ from: '2024-04-02', to: '2024-06-30' });
  });
  it('"all" spans the data, custom is as given', () => {
    expect(resolveRange({ range: 'all' }, today, { from: '2020-01-01', to: '2024-05-01' })).toEqual({
      from: '2020-01-01',
      to: '2024-05-01',
    });
    expect(resolveRange({ range: 'all' }, today, null)).toBeUndefined();
    expect(resolveRange({ range: 'custom', from: '2024-01-01', to: '2024-01-02' }, today)).toEqual({
      from: '2024-01-01',
      to: '2024-01-02',
    });
  });
  it('makes the API query', () => {
    expect(
      apiQuery(
        { range: '7d', domain: 'example.com', org: 'google.com', dmarc: 'fail' },
        { from: '2024-06-24', to: '2024-06-30' },
      ),
    ).toEqual({
      domain: 'example.com',
      from: '2024-06-24',
      to: '2024-06-30',
      org: 'google.com',
      dmarc: 'fail',
    });
    // all time is every report, also those without a readable period, which the span of the data leaves out
    expect(apiQuery({ range: 'all' }, undefined)).toEqual({ period: 'all' });
    expect(apiQuery({ range: 'all', domain: 'a.com' }, { from: '2020-01-01', to: '2024-05-01' })).toEqual({
      domain: 'a.com',
      period: 'all',
    });
    expect(apiQuery({ range: 'none', dmarc: 'fail' }, undefined)).toEqual({ period: 'none', dmarc: 'fail' });
  });
  it('"none" is the reports without a readable period: in the URL, with no dates', () => {
    expect(parseFilters('?range=none&domain=a.com')).toEqual({ range: 'none', domain: 'a.com' });
    expect(filtersToParams({ range: 'none' }).toString()).toBe('range=none');
    expect(resolveRange({ range: 'none' }, today, { from: '2020-01-01', to: '2024-05-01' })).toBeUndefined();
    expect(describeFilters({ range: 'none' })).toBe('All domains · No period');
    // dates win over it, as over any preset
    expect(parseFilters('?range=none&from=2024-01-01&to=2024-01-31').range).toBe('custom');
  });
  it('picks a timeline interval for the span and knows bucket ends', () => {
    expect(intervalFor({ from: '2024-01-01', to: '2024-03-31' })).toBe('day');
    expect(intervalFor({ from: '2023-01-01', to: '2024-03-31' })).toBe('week');
    expect(intervalFor({ from: '2015-01-01', to: '2024-03-31' })).toBe('month');
    expect(bucketEnd('2024-06-10', 'day')).toBe('2024-06-10');
    expect(bucketEnd('2024-06-10', 'week')).toBe('2024-06-16');
    expect(bucketEnd('2024-02-01', 'month')).toBe('2024-02-29');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
  });
  it('describes filters in words', () => {
    expect(describeFilters({ range: '30d' })).toBe('All domains · Last 30 days');
    expect(
      describeFilters(
        { range: 'custom', from: 'a', to: 'b', domain: 'x.com', dmarc: 'fail' },
        { from: '2024-01-01', to: '2024-01-31' },
      ),
    ).toBe('x.com · 2024-01-01 to 2024-01-31 · DMARC fail only');
  });
});

describe('routes', () => {
  it('maps paths to pages', () => {
    expect(matchRoute('/')).toEqual({ page: 'overview', params: {} });
    expect(matchRoute('/reports/')).toEqual({ page: 'reports', params: {} });
    expect(matchRoute('/reports/42')).toEqual({ page: 'report', params: { id: '42' } });
    expect(matchRoute('/reports/abc').page).toBe('not-found');
    expect(matchRoute('/senders')).toEqual({ page: 'senders', params: {} });
    expect(matchRoute('/sources/192.0.2.1')).toEqual({ page: 'source', params: { ip: '192.0.2.1' } });
    expect(matchRoute('/sources/2001:db8::1')).toEqual({ page: 'source', params: { ip: '2001:db8::1' } });
    expect(matchRoute('/o/acme/sources/192.0.2.1')).toEqual({ page: 'source', params: { ip: '192.0.2.1' } });
    expect(matchRoute('/sources/not-an-ip').page).toBe('not-found');
    expect(matchRoute('/settings/users').page).toBe('users');
    expect(matchRoute('/settings/keys').page).toBe('keys');
    expect(matchRoute('/users').page).toBe('not-found');
    expect(matchRoute('/nope').page).toBe('not-found');
  });
  it('only follows same-app paths after login', () => {
    expect(safeNext('/reports?domain=a.com')).toBe('/reports?domain=a.com');
    expect(safeNext('//evil.example/')).toBe('/');
    expect(safeNext('https://evil.example/')).toBe('/');
    expect(safeNext('/\\evil.example')).toBe('/');
    expect(safeNext('/login?next=/x')).toBe('/');
    expect(safeNext(null)).toBe('/');
  });
});
