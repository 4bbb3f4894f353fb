// The settings pages as tabs of one navigation item: the organisation's users and outputs (admins) and the
// caller's own API keys (everyone).
import type { JSX } from 'preact';
import { useApp } from '../context';
import { hasRole } from '../lib/session';
import { Link } from '../router';

export function SettingsTabs({ current }: { current: 'users' | 'keys' | 'outputs' }): JSX.Element {
  const { user } = useApp();
  const admin = hasRole(user, 'admin');
  const tabs = [
    ...(admin ? [{ key: 'users', href: '/settings/users', label: 'Users' }] : []),
    { key: 'keys', href: '/settings/keys', label: 'API keys' },
    ...(admin ? [{ key: 'outputs', href: '/settings/outputs', label: 'SIEM outputs' }] : []),
  ];
  return (
    <nav class="tabs" aria-label="Settings">
      {tabs.map((t) => (
        <Link key={t.key} href={t.href} aria-current={t.key === current ? 'page' : undefined}>
          {t.label}
        </Link>
      ))}
    </nav>
  );
}
