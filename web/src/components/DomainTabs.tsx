// The views of one domain, side by side: its readiness for enforcement and its DNS records.
import type { JSX } from 'preact';
import { domainHref } from '../lib/routes';
import { Link } from '../router';

export type DomainView = 'readiness' | 'dns';

export function DomainTabs({ domain, current }: { domain: string; current: DomainView }): JSX.Element {
  const tabs: { key: DomainView; href: string; label: string }[] = [
    { key: 'readiness', href: domainHref(domain), label: 'Readiness' },
    { key: 'dns', href: `${domainHref(domain)}/dns`, label: 'DNS records' },
  ];
  return (
    <nav class="tabs" aria-label={`Views of ${domain}`} data-testid="domain-tabs">
      {tabs.map((t) => (
        <Link key={t.key} href={t.href} aria-current={t.key === current ? 'page' : undefined}>
          {t.label}
        </Link>
      ))}
    </nav>
  );
}
