// What changed between two checks of a domain: the policy weakened or strengthened (p, sp, pct, testing mode), a
// record removed or added, SPF broken or fixed (its error findings), a DKIM selector's key gone or revoked, or any
// other change of what is published. A record that could not be checked this time is not "removed". Pure.
import type { DnsChange, DnsRecords, Finding, RecordKind, TxtRecordState } from '../../model/dns-checks.js';

export interface CheckSnapshot {
  records: DnsRecords;
  findings: Finding[];
  digest: string;
}

const RANK: Record<string, number> = { none: 0, quarantine: 1, reject: 2 };

interface Strength {
  p: number;
  sp: number;
  pct: number;
  enforced: number;
}

function strengthOf(tags: Record<string, string> | null): Strength | null {
  const p = RANK[(tags?.p ?? '').toLowerCase()];
  if (p === undefined) return null;
  const sp = RANK[(tags?.sp ?? '').toLowerCase()] ?? p;
  const pct = /^[0-9]+$/.test(tags?.pct ?? '') ? Number(tags!.pct) : 100;
  return { p, sp, pct, enforced: (tags?.t ?? 'n').toLowerCase() === 'y' ? 0 : 1 };
}

const NAMES = ['none', 'quarantine', 'reject'];

const KIND_NAMES: Record<Exclude<RecordKind, 'dkim'>, string> = {
  dmarc: 'DMARC',
  spf: 'SPF',
  mta_sts: 'MTA-STS',
  tls_rpt: 'TLS-RPT',
  bimi: 'BIMI',
};

export function diffChecks(domain: string, before: CheckSnapshot | null, now: CheckSnapshot): DnsChange[] {
  if (!before || before.digest === now.digest) return [];
  const out: DnsChange[] = [];
  const b = before.records;
  const n = now.records;

  const presence = (kind: Exclude<RecordKind, 'dkim'>, x: TxtRecordState, y: TxtRecordState) => {
    if (x.status === 'found' && y.status === 'missing') {
      out.push({
        kind: 'record_removed',
        severity: kind === 'dmarc' || kind === 'spf' ? 'error' : 'warning',
        record: kind,
        text: `The ${KIND_NAMES[kind]} record of ${domain} was removed (${y.name}).`,
      });
    } else if (x.status === 'missing' && y.status === 'found') {
      out.push({
        kind: 'record_added',
        severity: 'info',
        record: kind,
        text: `A ${KIND_NAMES[kind]} record was published for ${domain} (${y.name}).`,
      });
    }
  };
  presence('dmarc', b.dmarc, n.dmarc);
  presence('spf', b.spf, n.spf);
  presence('mta_sts', b.mtaSts, n.mtaSts);
  presence('tls_rpt', b.tlsRpt, n.tlsRpt);
  presence('bimi', b.bimi, n.bimi);

  if (b.dmarc.status === 'found' && n.dmarc.status === 'found') {
    const x = strengthOf(b.dmarc.tags);
    const y = strengthOf(n.dmarc.tags);
    if (x && y) {
      const weaker: string[] = [];
      const stronger: string[] = [];
      const cmp = (label: string, a: number, c: number, show: (v: number) => string) => {
        if (c < a) weaker.push(`${label} ${show(a)} → ${show(c)}`);
        if (c > a) stronger.push(`${label} ${show(a)} → ${show(c)}`);
      };
      cmp('p', x.p, y.p, (v) => NAMES[v]!);
      cmp('sp', x.sp, y.sp, (v) => NAMES[v]!);
      cmp('pct', x.pct, y.pct, String);
      if (y.enforced < x.enforced) weaker.push('testing mode switched on (t=y)');
      if (y.enforced > x.enforced) stronger.push('testing mode switched off');
      if (weaker.length > 0)
        out.push({
          kind: 'policy_weakened',
          severity: 'error',
          record: 'dmarc',
          text: `The DMARC policy of ${domain} was weakened: ${weaker.join(', ')}.`,
        });
      if (stronger.length > 0)
        out.push({
          kind: 'policy_strengthened',
          severity: 'info',
          record: 'dmarc',
          text: `The DMARC policy of ${domain} was strengthened: ${stronger.join(', ')}.`,
        });
    }
  }

  const spfErrors = (s: CheckSnapshot) => s.findings.filter((f) => f.record === 'spf' && f.severity === 'error');
  if (b.spf.status === 'found' && n.spf.status === 'found') {
    const was = spfErrors(before);
    const is = spfErrors(now);
    if (was.length === 0 && is.length > 0) {
      out.push({
        kind: 'spf_broken',
        severity: 'error',
        record: 'spf',
        text: `The SPF record of ${domain} is now broken: ${is.map((f) => f.code).join(', ')}.`,
      });
    } else if (was.length > 0 && is.length === 0) {
      out.push({
        kind: 'spf_fixed',
        severity: 'info',
        record: 'spf',
        text: `The SPF record of ${domain} no longer has errors.`,
      });
    }
  }

  const keyed = new Map(n.dkim.map((s) => [s.name, s]));
  for (const s of b.dkim) {
    const t = keyed.get(s.name);
    if (s.status !== 'found' || s.revoked || !t) continue;
    if (t.status === 'missing' || (t.status === 'found' && t.revoked)) {
      out.push({
        kind: 'selector_gone',
        severity: 'warning',
        record: 'dkim',
        text: `The DKIM key of selector ${s.selector} (${s.domain}) is ${t.revoked ? 'revoked' : 'gone'}: mail still signed with it fails DKIM.`,
      });
    }
  }

  if (out.length === 0) {
    // a record the DNS did not give this time (or last time) has not changed as far as we know
    const same = (x: TxtRecordState, y: TxtRecordState) =>
      x.status === 'unknown' || y.status === 'unknown' || JSON.stringify(x.records) === JSON.stringify(y.records);
    const changed: RecordKind[] = [];
    if (!same(b.dmarc, n.dmarc)) changed.push('dmarc');
    if (!same(b.spf, n.spf)) changed.push('spf');
    if (!same(b.mtaSts, n.mtaSts)) changed.push('mta_sts');
    if (!same(b.tlsRpt, n.tlsRpt)) changed.push('tls_rpt');
    if (!same(b.bimi, n.bimi)) changed.push('bimi');
    const keys = (r: DnsRecords) =>
      JSON.stringify(
        r.dkim
          .filter((k) => k.status !== 'unknown')
          .map((k) => [k.name, k.status, k.bits, k.revoked])
          .sort(),
      );
    const dkimKnown = b.dkim.every((k) => k.status !== 'unknown') && n.dkim.every((k) => k.status !== 'unknown');
    if (dkimKnown && keys(b) !== keys(n)) changed.push('dkim');
    for (const kind of changed) {
      const what = kind === 'dkim' ? 'DKIM keys' : `${KIND_NAMES[kind]} record`;
      out.push({ kind: 'record_changed', severity: 'info', record: kind, text: `The ${what} of ${domain} changed.` });
    }
  }
  return out;
}
