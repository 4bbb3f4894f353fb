// The other records a mail domain publishes: MTA-STS (_mta-sts TXT, RFC 8461), TLS-RPT (_smtp._tls TXT, RFC 8460)
// and BIMI (default._bimi TXT, draft-brand-indicators-for-message-identification). Their TXT records are read and
// linted (pure); the MTA-STS policy file itself (HTTPS) is not fetched.
import type { Finding, TxtRecordState } from '../../model/dns-checks.js';
import { parseTagList } from './txt.js';

type F = (code: string, severity: Finding['severity'], text: string) => void;

function common(state: TxtRecordState, what: string, missing: string, f: F): boolean {
  if (state.status === 'unknown') {
    f(
      'unchecked',
      'warning',
      `Could not check the ${what} record at ${state.name}: ${state.failure ?? 'DNS error'}. Checked again at the next run.`,
    );
    return false;
  }
  if (state.status === 'missing') {
    f('missing', 'info', missing);
    return false;
  }
  if (state.records.length > 1)
    f(
      'multiple',
      'error',
      `${state.records.length} ${what} records at ${state.name}: receivers ignore them. Keep one.`,
    );
  return true;
}

function finder(out: Finding[], prefix: string, record: Finding['record']): F {
  return (code, severity, text) => out.push({ code: `${prefix}_${code}`, severity, text, record });
}

export function lintMtaSts(domain: string, state: TxtRecordState): Finding[] {
  const out: Finding[] = [];
  const f = finder(out, 'mta_sts', 'mta_sts');
  if (
    !common(
      state,
      'MTA-STS',
      `No MTA-STS record at ${state.name}: senders may deliver mail to ${domain} without TLS when an attacker strips it. Publish a policy at https://mta-sts.${domain}/.well-known/mta-sts.txt and a TXT record "v=STSv1; id=<date>" there.`,
      f,
    )
  )
    return out;
  const { tags, errors } = parseTagList(state.records[0]!);
  for (const e of errors) f('syntax', 'error', `The MTA-STS record is invalid: ${e}. Correct it.`);
  const id = tags.get('id');
  if (id === undefined)
    f(
      'syntax',
      'error',
      'The MTA-STS record has no id=: senders never fetch the policy. Add id=<a new value at each policy change>.',
    );
  else if (!/^[A-Za-z0-9]{1,32}$/.test(id))
    f('syntax', 'error', `The MTA-STS id=${id.slice(0, 40)} must be 1 to 32 letters and digits. Correct it.`);
  return out;
}

export function lintTlsRpt(domain: string, state: TxtRecordState): Finding[] {
  const out: Finding[] = [];
  const f = finder(out, 'tls_rpt', 'tls_rpt');
  if (
    !common(
      state,
      'TLS-RPT',
      `No TLS-RPT record at ${state.name}: senders do not tell you when TLS delivery to ${domain} fails. Publish "v=TLSRPTv1; rua=mailto:<address>".`,
      f,
    )
  )
    return out;
  const { tags, errors } = parseTagList(state.records[0]!);
  for (const e of errors) f('syntax', 'error', `The TLS-RPT record is invalid: ${e}. Correct it.`);
  const rua = tags.get('rua');
  if (rua === undefined)
    f('syntax', 'error', 'The TLS-RPT record has no rua=: nobody receives the reports. Add rua=mailto:<address>.');
  else {
    const bad = rua
      .split(',')
      .map((u) => u.trim())
      .filter((u) => !/^mailto:[^@\s]+@[^@\s]+$/i.test(u) && !/^https:\/\/\S+$/i.test(u));
    for (const u of bad)
      f('syntax', 'error', `The TLS-RPT rua ${u.slice(0, 80)} is not a mailto: or https: address. Correct it.`);
  }
  return out;
}

export function lintBimi(domain: string, state: TxtRecordState, dmarcTags: Record<string, string> | null): Finding[] {
  const out: Finding[] = [];
  const f = finder(out, 'bimi', 'bimi');
  if (
    !common(
      state,
      'BIMI',
      `No BIMI record at ${state.name}: mailbox providers show no brand logo for ${domain}. Optional; it needs DMARC at quarantine or reject first.`,
      f,
    )
  )
    return out;
  const { tags, errors } = parseTagList(state.records[0]!);
  for (const e of errors) f('syntax', 'error', `The BIMI record is invalid: ${e}. Correct it.`);
  const l = tags.get('l');
  if (l !== undefined && l !== '' && !/^https:\/\/\S+\.svg$/i.test(l))
    f('syntax', 'error', `The BIMI logo l=${l.slice(0, 80)} must be an https: address of an SVG file. Correct it.`);
  if (tags.get('a') !== undefined && tags.get('a') !== '' && !/^https:\/\/\S+$/i.test(tags.get('a')!)) {
    f('syntax', 'error', 'The BIMI a= (the mark certificate) must be an https: address. Correct it.');
  }
  const p = dmarcTags?.p?.toLowerCase();
  const pct = dmarcTags?.pct;
  if (!p || p === 'none' || (pct !== undefined && pct !== '100')) {
    f(
      'dmarc_not_enforced',
      'warning',
      `BIMI is published but DMARC is not at enforcement (p=quarantine or reject with pct=100): providers show no logo. Enforce DMARC first.`,
    );
  }
  return out;
}
