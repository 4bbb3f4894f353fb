// A user's sender rules: validation at the edge (bad CIDR, bad domain, unknown service, a missing name → one
// invalid_sender_rule error naming each field), CIDR boundaries in IPv4 and IPv6, which rule decides when
// several match, and an `own` rule's sender replacing the identification.
import { describe, expect, it } from 'vitest';
import { parseCidr } from '../../src/enrich/senders/cidr.js';
import { identifySender, type SenderEvidence } from '../../src/enrich/senders/identify.js';
import {
  applyRules,
  describeRule,
  parseSenderRule,
  parseSenderRules,
  SenderRuleSchema,
  type SenderRule,
} from '../../src/enrich/senders/rules.js';
import { AppError } from '../../src/model/errors.js';

function ident(e: Partial<SenderEvidence> = {}) {
  return identifySender({ ip: '192.0.2.1', dkimDomains: [], spfDomains: [], ...e });
}

function rejected(input: unknown): AppError {
  try {
    parseSenderRule(input);
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    const err = e as AppError;
    expect({ code: err.code, status: err.status, exitCode: err.exitCode }).toEqual({
      code: 'invalid_sender_rule',
      status: 400,
      exitCode: 2,
    });
    return err;
  }
  throw new Error(`accepted ${JSON.stringify(input)}`);
}

const cidrRule = (value: string, verdict: SenderRule['verdict'] = 'approved', name?: string) =>
  parseSenderRule({ kind: 'cidr', value, verdict, ...(name ? { name } : {}) });

describe('parseSenderRule: valid rules, in canonical form', () => {
  // prettier-ignore
  it.each([
    [{ kind: 'cidr', value: '203.0.113.0/28', verdict: 'own', name: ' our Exchange ' }, '203.0.113.0/28', 'our Exchange'],
    [{ kind: 'cidr', value: ' 203.0.113.7 ', verdict: 'approved' }, '203.0.113.7/32', undefined],
    [{ kind: 'cidr', value: '2001:DB8:0:0::/48', verdict: 'not_ours' }, '2001:db8::/48', undefined],
    [{ kind: 'cidr', value: '2001:db8::25', verdict: 'approved' }, '2001:db8::25/128', undefined],
    [{ kind: 'cidr', value: '::ffff:203.0.113.0/120', verdict: 'approved' }, '203.0.113.0/24', undefined],
    [{ kind: 'cidr', value: '0.0.0.0/0', verdict: 'not_ours' }, '0.0.0.0/0', undefined],
    [{ kind: 'base_domain', value: 'Example.NET.', verdict: 'approved' }, 'example.net', undefined],
    [{ kind: 'base_domain', value: 'xn--bcher-kva.example', verdict: 'approved' }, 'xn--bcher-kva.example', undefined],
    [{ kind: 'service', value: 'SendGrid', verdict: 'approved' }, 'sendgrid', undefined],
    [{ kind: 'service', value: 'ptr:Mail.Example.NET.', verdict: 'not_ours' }, 'ptr:mail.example.net', undefined],
    [{ kind: 'service', value: 'asn:064500', verdict: 'not_ours' }, 'asn:64500', undefined],
    [{ kind: 'service', value: 'microsoft-365', verdict: 'own', name: 'our tenant' }, 'microsoft-365', 'our tenant'],
  ])('%j', (input, value, name) => {
    const r = parseSenderRule(input);
    expect(r.value).toBe(value);
    expect(r.name).toBe(name);
    expect(SenderRuleSchema.parse(input)).toEqual(r);
  });
});

describe('parseSenderRule: bad input, with the field and a clear message', () => {
  // prettier-ignore
  it.each([
    ['prefix too long (v4)', { kind: 'cidr', value: '203.0.113.0/33', verdict: 'approved' }, 'value', 'the prefix length must be a number from 0 to 32'],
    ['prefix too long (v6)', { kind: 'cidr', value: '2001:db8::/129', verdict: 'approved' }, 'value', 'from 0 to 128'],
    ['host bits set (v4)', { kind: 'cidr', value: '203.0.113.5/28', verdict: 'approved' }, 'value', 'the range is 203.0.113.0/28'],
    ['host bits set (v6)', { kind: 'cidr', value: '2001:db8::1/64', verdict: 'approved' }, 'value', 'the range is 2001:db8::/64'],
    ['short IPv4', { kind: 'cidr', value: '10.1/16', verdict: 'approved' }, 'value', "'10.1' is not an IP address"],
    ['hex IPv4', { kind: 'cidr', value: '0x7f.0.0.1/8', verdict: 'approved' }, 'value', 'is not an IP address'],
    ['octet over 255', { kind: 'cidr', value: '203.0.113.256/32', verdict: 'approved' }, 'value', 'is not an IP address'],
    ['IPv6 zone', { kind: 'cidr', value: 'fe80::1%eth0/64', verdict: 'approved' }, 'value', 'is not an IP address'],
    ['empty prefix', { kind: 'cidr', value: '203.0.113.0/', verdict: 'approved' }, 'value', 'prefix length'],
    ['no address', { kind: 'cidr', value: '/24', verdict: 'approved' }, 'value', 'no address'],
    ['two slashes', { kind: 'cidr', value: '203.0.113.0/24/1', verdict: 'approved' }, 'value', 'prefix length'],
    ['signed prefix', { kind: 'cidr', value: '203.0.113.0/-1', verdict: 'approved' }, 'value', 'prefix length'],
    ['a word', { kind: 'cidr', value: 'office', verdict: 'approved' }, 'value', 'for example 203.0.113.0/28'],
    ['single-label domain', { kind: 'base_domain', value: 'localhost', verdict: 'approved' }, 'value', "'localhost' is not a domain name"],
    ['domain with a space', { kind: 'base_domain', value: 'exa mple.com', verdict: 'approved' }, 'value', 'is not a domain name'],
    ['domain with a leading hyphen', { kind: 'base_domain', value: '-bad.example', verdict: 'approved' }, 'value', 'is not a domain name'],
    ['domain with an empty label', { kind: 'base_domain', value: 'a..example', verdict: 'approved' }, 'value', 'is not a domain name'],
    ['an IP as a domain', { kind: 'base_domain', value: '192.0.2.1', verdict: 'approved' }, 'value', 'is not a domain name'],
    ['a label over 63', { kind: 'base_domain', value: `${'a'.repeat(64)}.example`, verdict: 'approved' }, 'value', 'is not a domain name'],
    ['empty domain', { kind: 'base_domain', value: ' ', verdict: 'approved' }, 'value', 'is not a domain name'],
    ['unknown service', { kind: 'service', value: 'sendgird', verdict: 'approved' }, 'value', "'sendgird' is neither a catalogue service id"],
    ['the unknown group', { kind: 'service', value: 'unknown', verdict: 'approved' }, 'value', 'mark a CIDR range instead'],
    ['asn:0', { kind: 'service', value: 'asn:0', verdict: 'approved' }, 'value', 'is neither a catalogue service id'],
    ['asn: not a number', { kind: 'service', value: 'asn:AS64500', verdict: 'approved' }, 'value', 'is neither'],
    ['ptr: not a domain', { kind: 'service', value: 'ptr:', verdict: 'approved' }, 'value', 'ptr: must be followed by a domain name'],
    ['own without a name', { kind: 'cidr', value: '203.0.113.0/28', verdict: 'own' }, 'name', 'required for verdict own'],
    ['blank name', { kind: 'cidr', value: '203.0.113.0/28', verdict: 'own', name: '   ' }, 'name', 'name: empty'],
    ['long name', { kind: 'cidr', value: '203.0.113.0/28', verdict: 'own', name: 'x'.repeat(101) }, 'name', '100 characters at most'],
    ['control character in name', { kind: 'cidr', value: '203.0.113.0/28', verdict: 'own', name: 'our\nExchange' }, 'name', 'no control characters'],
    ['unknown kind', { kind: 'ip', value: '203.0.113.1', verdict: 'approved' }, 'kind', 'kind: one of service, cidr, base_domain'],
    ['unknown verdict', { kind: 'cidr', value: '203.0.113.1', verdict: 'ok' }, 'verdict', 'verdict: one of approved, not_ours, own'],
    ['value not a string', { kind: 'cidr', value: 203, verdict: 'approved' }, 'value', 'value: a string'],
    ['an extra field', { kind: 'cidr', value: '203.0.113.1', verdict: 'approved', domain: 'x' }, 'rule', 'unknown field(s) domain'],
    ['not an object', 'cidr 203.0.113.0/28', 'rule', 'a sender rule: an object with kind, value, verdict'],
    ['null', null, 'rule', 'a sender rule'],
  ] as const)('%s', (_name, input, field, message) => {
    const err = rejected(input);
    expect(err.errors?.map((e) => e.field)).toContain(field);
    expect(err.message).toContain(message);
  });

  it('names every bad field at once', () => {
    const err = rejected({ kind: 'cidr', value: '203.0.113.0/33', verdict: 'own' });
    expect(err.errors?.map((e) => e.field)).toEqual(['value', 'name']);
  });

  it('a list names the rule by its position; a non-list is refused', () => {
    const good = { kind: 'service', value: 'sendgrid', verdict: 'approved' };
    expect(parseSenderRules([good, { ...good, value: 'mailgun' }]).map((r) => r.value)).toEqual([
      'sendgrid',
      'mailgun',
    ]);
    try {
      parseSenderRules([good, { kind: 'base_domain', value: 'nope', verdict: 'approved' }]);
      throw new Error('accepted');
    } catch (e) {
      expect((e as AppError).errors).toEqual([{ field: 'rules[1].value', message: expect.stringContaining("'nope'") }]);
    }
    expect(() => parseSenderRules({ rules: [] })).toThrow('a list of sender rules');
  });
});

describe('CIDR boundaries', () => {
  const own = (value: string) => [cidrRule(value, 'own', 'ours')];
  const hit = (ip: string, rules: SenderRule[]) => applyRules(ip, ident({ ip }), rules).verdict;

  it('IPv4 /28: first and last address in, the neighbours out', () => {
    const rules = own('203.0.113.16/28');
    expect(hit('203.0.113.16', rules)).toBe('own');
    expect(hit('203.0.113.31', rules)).toBe('own');
    expect(hit('203.0.113.15', rules)).toBeNull();
    expect(hit('203.0.113.32', rules)).toBeNull();
  });

  it('IPv4 /32 and /0', () => {
    expect(hit('198.51.100.7', own('198.51.100.7'))).toBe('own');
    expect(hit('198.51.100.8', own('198.51.100.7'))).toBeNull();
    expect(hit('255.255.255.255', own('0.0.0.0/0'))).toBe('own');
    expect(hit('2001:db8::1', own('0.0.0.0/0'))).toBeNull();
  });

  it('IPv6 /48: the last address in, the next network out; /128; ::/0', () => {
    const rules = own('2001:db8:abcd::/48');
    expect(hit('2001:db8:abcd::', rules)).toBe('own');
    expect(hit('2001:db8:abcd:ffff:ffff:ffff:ffff:ffff', rules)).toBe('own');
    expect(hit('2001:db8:abce::', rules)).toBeNull();
    expect(hit('2001:db8:abcc:ffff:ffff:ffff:ffff:ffff', rules)).toBeNull();
    expect(hit('2001:DB8::25', own('2001:db8::25/128'))).toBe('own');
    expect(hit('2001:db8::26', own('2001:db8::25/128'))).toBeNull();
    expect(hit('2001:db8::1', own('::/0'))).toBe('own');
    expect(hit('192.0.2.1', own('::/0'))).toBeNull();
  });

  it('IPv4-mapped IPv6 sources match IPv4 ranges', () => {
    expect(hit('::ffff:203.0.113.20', own('203.0.113.16/28'))).toBe('own');
    expect(hit('::ffff:203.0.113.40', own('203.0.113.16/28'))).toBeNull();
  });

  it('a source that is not an address matches no range', () => {
    expect(hit('not-an-ip', own('0.0.0.0/0'))).toBeNull();
    expect(hit('', own('::/0'))).toBeNull();
    expect(parseCidr('203.0.113.0/28')).toMatchObject({ ok: true, cidr: { family: 4, bits: 28 } });
  });
});

describe('applyRules', () => {
  const sendgrid = ident({ ip: '203.0.113.5', ptr: 'o1.ptr1.sendgrid.net', fcrdns: true, asn: 11377 });

  it('no rule: no verdict, the identification unchanged', () => {
    const out = applyRules('203.0.113.5', sendgrid, []);
    expect(out).toEqual({ verdict: null, rule: null, identification: sendgrid });
  });

  it('a service rule matches the catalogue id or a group key', () => {
    const approved = parseSenderRule({ kind: 'service', value: 'sendgrid', verdict: 'approved' });
    expect(applyRules('203.0.113.5', sendgrid, [approved])).toMatchObject({ verdict: 'approved', rule: approved });
    const group = ident({ ptr: 'mx.smallbiz.example', fcrdns: true, ptrBaseDomain: 'smallbiz.example' });
    const rule = parseSenderRule({ kind: 'service', value: 'ptr:smallbiz.example', verdict: 'not_ours' });
    expect(applyRules('192.0.2.1', group, [rule]).verdict).toBe('not_ours');
    const asGroup = ident({ asn: 64500 });
    const asRule = parseSenderRule({ kind: 'service', value: 'asn:64500', verdict: 'approved' });
    expect(applyRules('192.0.2.1', asGroup, [asRule]).verdict).toBe('approved');
    expect(applyRules('192.0.2.1', asGroup, [approved]).verdict).toBeNull();
  });

  it('a base-domain rule matches a confirmed or unchecked PTR under it, never an unconfirmed one or a look-alike', () => {
    const rule = [parseSenderRule({ kind: 'base_domain', value: 'example.net', verdict: 'approved' })];
    const withPtr = (ptr: string, fcrdns: boolean | null) =>
      applyRules('192.0.2.1', ident({ ptr, fcrdns }), rule).verdict;
    expect(withPtr('mx1.example.net', true)).toBe('approved');
    expect(withPtr('EXAMPLE.NET.', true)).toBe('approved');
    expect(withPtr('mx1.example.net', null)).toBe('approved');
    expect(withPtr('mx1.example.net', false)).toBeNull();
    expect(withPtr('mx1.badexample.net', true)).toBeNull();
    expect(withPtr('example.net.evil.test', true)).toBeNull();
    expect(applyRules('192.0.2.1', ident({ ptrBaseDomain: 'example.net', fcrdns: true }), rule).verdict).toBe(
      'approved',
    );
    expect(applyRules('192.0.2.1', ident(), rule).verdict).toBeNull();
  });

  it('the most specific rule decides: a longer prefix, then a CIDR, then a base domain, then a service', () => {
    const ip = '203.0.113.5';
    const id = ident({ ip, ptr: 'mail.corp.example', fcrdns: true, ptrBaseDomain: 'corp.example' });
    const svc = parseSenderRule({ kind: 'service', value: 'ptr:corp.example', verdict: 'not_ours' });
    const base = parseSenderRule({ kind: 'base_domain', value: 'corp.example', verdict: 'approved' });
    const sub = parseSenderRule({ kind: 'base_domain', value: 'mail.corp.example', verdict: 'not_ours' });
    const wide = cidrRule('203.0.113.0/24', 'not_ours');
    const narrow = cidrRule('203.0.113.0/28', 'own', 'our Exchange');
    expect(applyRules(ip, id, [svc, base]).rule).toBe(base);
    expect(applyRules(ip, id, [svc, base, sub]).rule).toBe(sub);
    expect(applyRules(ip, id, [svc, base, sub, wide]).rule).toBe(wide);
    expect(applyRules(ip, id, [narrow, svc, base, sub, wide]).rule).toBe(narrow);
    expect(applyRules('203.0.113.100', id, [narrow, svc, base, sub, wide]).rule).toBe(wide);
  });

  it('on a tie own beats not_ours beats approved, then the rule listed first', () => {
    const a = cidrRule('203.0.113.0/28', 'approved');
    const n = cidrRule('203.0.113.0/28', 'not_ours');
    const o1 = cidrRule('203.0.113.0/28', 'own', 'first');
    const o2 = cidrRule('203.0.113.0/28', 'own', 'second');
    const id = ident({ ip: '203.0.113.1' });
    expect(applyRules('203.0.113.1', id, [a, n]).verdict).toBe('not_ours');
    expect(applyRules('203.0.113.1', id, [n, a]).verdict).toBe('not_ours');
    expect(applyRules('203.0.113.1', id, [a, n, o2, o1]).identification.sender).toBe('second');
  });

  it('an own rule replaces the identification with the user’s sender', () => {
    const rule = cidrRule('203.0.113.0/28', 'own', 'our  Exchange');
    const ms = ident({ ip: '203.0.113.9', ptr: 'mail.outbound.protection.outlook.com', fcrdns: true });
    const out = applyRules('203.0.113.9', ms, [rule]);
    expect(out.verdict).toBe('own');
    expect(out.identification).toEqual({
      key: 'own:our exchange',
      sender: 'our  Exchange',
      type: 'own',
      known: true,
      confidence: 'high',
      score: 0,
      evidence: [
        {
          kind: 'rule',
          value: '203.0.113.0/28',
          label: 'user rule: 203.0.113.0/28 is our  Exchange',
          matched: true,
          pattern: '203.0.113.0/28',
          services: [],
          points: 0,
          strong: true,
          supports: true,
        },
      ],
      alternatives: [],
      reason: 'A user rule says 203.0.113.0/28 is our  Exchange (the evidence alone said: Microsoft 365 / Outlook.com)',
    });
    // approved and not_ours keep the identification as it was
    expect(applyRules('203.0.113.9', ms, [cidrRule('203.0.113.0/28', 'approved')]).identification).toBe(ms);
  });

  it('describes rules in words', () => {
    expect(describeRule(cidrRule('203.0.113.0/28'))).toBe('203.0.113.0/28');
    expect(describeRule(parseSenderRule({ kind: 'base_domain', value: 'example.net', verdict: 'approved' }))).toBe(
      'PTR under example.net',
    );
    expect(describeRule(parseSenderRule({ kind: 'service', value: 'mailgun', verdict: 'approved' }))).toBe(
      'sender mailgun',
    );
  });

  it('gives the same answers when the same rule list is applied again (compiled once)', () => {
    const rules = [cidrRule('203.0.113.0/28', 'not_ours'), cidrRule('2001:db8::/32', 'approved')];
    for (let i = 0; i < 3; i++) {
      expect(applyRules('203.0.113.2', ident(), rules).verdict).toBe('not_ours');
      expect(applyRules('2001:db8::2', ident(), rules).verdict).toBe('approved');
      expect(applyRules('198.51.100.1', ident(), rules).verdict).toBeNull();
    }
  });
});
