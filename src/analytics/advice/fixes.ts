// What to fix so that a legitimate sender's mail aligns: the catalogue's hint for the service where it has one
// (catalogue.json `fix`), else the general advice in words. DKIM first: a DKIM signature with the domain survives
// forwarding, SPF does not.
import { CATALOGUE } from '../../enrich/senders/catalogue.js';

const HINTS = new Map(CATALOGUE.services.map((s) => [s.id, s.fix]));

export interface FixInput {
  /** The sender key: a catalogue id, a group key, own:<name>. */
  key: string;
  sender: string;
  class: 'legitimate_unaligned' | 'own_infrastructure';
  /** Failing messages that verified a DKIM signature of another domain (the service's own). */
  dkimOther: number;
  /** Failing messages whose SPF check passed for another domain (the service's return-path). */
  spfOther: number;
}

const fill = (text: string, domain: string): string => text.replaceAll('{domain}', domain);

/** The fix in words, for the policy domain `domain`. */
export function fixFor(domain: string, s: FixInput): string {
  if (s.class === 'own_infrastructure') {
    return (
      `Sign ${s.sender}'s outgoing mail with a DKIM key for ${domain} (d=${domain}), ` +
      `and list its addresses in ${domain}'s SPF record if it sends with a ${domain} return-path`
    );
  }
  const hint = HINTS.get(s.key);
  const dkim = hint?.dkim ? fill(hint.dkim, domain) : `Set up DKIM for ${domain} at ${s.sender}`;
  // SPF advice only where SPF passed for the service's domain (its own return-path): a custom MAIL FROM aligns it
  if (s.spfOther > 0 && s.dkimOther === 0) {
    const spf = hint?.spf
      ? fill(hint.spf, domain)
      : `use a custom MAIL FROM (return-path) domain under ${domain} at ${s.sender}`;
    return `${dkim}; or ${lowerFirst(spf)}`;
  }
  if (s.spfOther > 0 && hint?.spf) return `${dkim}; also ${lowerFirst(fill(hint.spf, domain))}`;
  return dkim;
}

/** Why the sender's mail fails, in words. */
export function reasonFor(domain: string, s: FixInput, messages: number): string {
  const n = `${messages.toLocaleString('en-US')} message${messages === 1 ? '' : 's'}`;
  if (s.class === 'own_infrastructure') {
    return `${s.sender} (named as your own) sent ${n} that failed DMARC: neither DKIM nor SPF aligned with ${domain}`;
  }
  const how: string[] = [];
  if (s.dkimOther > 0) how.push('signs DKIM with its own domain');
  if (s.spfOther > 0) how.push('uses its own return-path (SPF passes for its domain, not yours)');
  const auth = how.length > 0 ? how.join(' and ') : 'does not authenticate as your domain';
  return `${s.sender} ${auth}: ${n} failed DMARC alignment with ${domain}`;
}

function lowerFirst(s: string): string {
  return s.length > 0 ? s[0]!.toLowerCase() + s.slice(1) : s;
}
