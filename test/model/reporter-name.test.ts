// One name per reporter: from the e-mail domain first, then the name, else the name as written (cleaned).
import { describe, expect, it } from 'vitest';
import { KNOWN_REPORTERS } from '../../src/model/known-reporters.js';
import { canonicalReporter, cleanReporterName, normaliseName } from '../../src/model/reporter-name.js';

describe('canonicalReporter', () => {
  it.each([
    ['google.com', 'noreply-dmarc-support@google.com', 'Google'],
    ['Google', 'noreply-dmarc@google.com', 'Google'],
    ['Google, Inc.', null, 'Google'],
    ['Google Inc.', undefined, 'Google'],
    ['GOOGLE', null, 'Google'],
    ['Outlook.com', 'dmarcreport@microsoft.com', 'Microsoft'],
    ['Enterprise Outlook', 'dmarcreport@microsoft.com', 'Microsoft'],
    ['Microsoft Corporation', null, 'Microsoft'],
    ['Yahoo! Inc.', null, 'Yahoo'],
    ['Yahoo', 'dmarchelp@yahooinc.com', 'Yahoo'],
    ['yahoo.com', 'noreply@dmarc.yahoo.com', 'Yahoo'],
    ['Yahoo! JAPAN', 'dmarc@yahoo.co.jp', 'Yahoo! JAPAN'],
    ['Mail.Ru', 'dmarc_support@corp.mail.ru', 'Mail.Ru'],
    ['mail.ru', null, 'Mail.Ru'],
    ['FastMail Pty Ltd', 'reports@fastmaildmarc.com', 'Fastmail'],
    ['Fastmail Pty Ltd', null, 'Fastmail'],
    // the address decides even when the name says something else
    ['fred.com', 'noreply-dmarc-support@google.com', 'Google'],
    // mailto:, angle brackets, several addresses, upper case, trailing dot
    ['x', 'mailto:DMARCREPORT@Microsoft.COM.', 'Microsoft'],
    ['x', 'Reports <reports@google.com>, other@example.net', 'Google'],
  ])('%s <%s> is %s', (name, email, expected) => {
    expect(canonicalReporter(name, email)).toBe(expected);
  });

  it('keeps an unknown reporter under its own name, cleaned of quotes and stray whitespace', () => {
    expect(canonicalReporter('Example Mail Co', 'dmarc@example.net')).toBe('Example Mail Co');
    expect(canonicalReporter('"Acme Corp"', 'dmarc@acme.example')).toBe('Acme Corp');
    expect(canonicalReporter("'Acme Corp", null)).toBe('Acme Corp');
    expect(canonicalReporter('  Acme \n  Corp  ', null)).toBe('Acme Corp');
    expect(canonicalReporter('“Acme”', null)).toBe('Acme');
    // the case of an unknown name is kept: it is how the reporter writes it
    expect(canonicalReporter('veeam.com', 'dmarc@veeam.com')).toBe('veeam.com');
    // a known domain's lookalike is not the known reporter
    expect(canonicalReporter('notgoogle.com', 'x@notgoogle.com')).toBe('notgoogle.com');
    expect(canonicalReporter('google.com.evil.example', 'x@google.com.evil.example')).toBe('google.com.evil.example');
  });

  it('names a reporter without a name', () => {
    expect(canonicalReporter('', null)).toBe('(unnamed reporter)');
    expect(canonicalReporter('""', 'bad address')).toBe('(unnamed reporter)');
    expect(canonicalReporter('', 'noreply@google.com')).toBe('Google');
  });

  it('keeps names in any script', () => {
    expect(canonicalReporter('Почта России', null)).toBe('Почта России');
    expect(canonicalReporter('Ωmega', null)).toBe('Ωmega');
    expect(normaliseName('Почта, России!')).toBe('почта россии');
  });

  it('cleans control characters', () => {
    expect(cleanReporterName('Acme\u0000\u0007Corp')).toBe('Acme Corp');
  });

  it('has a table with one entry per domain and alias', () => {
    const domains = KNOWN_REPORTERS.flatMap((r) => r.domains);
    expect(new Set(domains).size).toBe(domains.length);
    const aliases = KNOWN_REPORTERS.flatMap((r) => r.aliases);
    expect(new Set(aliases).size).toBe(aliases.length);
    for (const a of aliases) expect(normaliseName(a), a).toBe(a);
    for (const r of KNOWN_REPORTERS) expect(canonicalReporter(r.name, null)).toBe(r.name);
  });
});
