// Users and their API keys (admins), and the signed-in user's own API keys.
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { useApp, useLoad } from '../context';
import { SettingsTabs } from '../components/SettingsTabs';
import { ActionError, Badge, ErrorBox, Empty, Loading, PageHeader } from '../components/ui';
import { describeError } from '../lib/problem';
import { formatDateTime } from '../lib/format';
import { hasRole, type Role } from '../lib/session';
import type { ApiKeyItem, NewApiKey, UserItem } from '../lib/types';

const ROLES: Role[] = ['viewer', 'analyst', 'admin'];

/** A secret shown once, with a copy button; never stored anywhere by the app. */
function OneTimeSecret({ label, value, onDone }: { label: string; value: string; onDone: () => void }): JSX.Element {
  const [copied, setCopied] = useState(false);
  return (
    <div class="secret" role="alert">
      <p>
        <strong>{label}</strong> It is shown only this once: copy it now.
      </p>
      <p>
        <code class="mono secret-value" data-testid="secret">
          {value}
        </code>
      </p>
      <button
        type="button"
        onClick={() => {
          void navigator.clipboard?.writeText(value).then(() => setCopied(true));
        }}
      >
        {copied ? 'Copied' : 'Copy'}
      </button>{' '}
      <button type="button" class="secondary" onClick={onDone}>
        Done
      </button>
    </div>
  );
}

/** Keys that still work (revoked ones are kept by the API for the audit trail, not shown). */
const liveKeys = (items: ApiKeyItem[] | undefined): ApiKeyItem[] => (items ?? []).filter((k) => !k.revokedAt);

function KeyTable({ keys, onRevoke }: { keys: ApiKeyItem[]; onRevoke: (k: ApiKeyItem) => void }): JSX.Element {
  return (
    <div class="table-wrap">
      <table class="data">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Key starts with</th>
            <th scope="col">Created</th>
            <th scope="col">Expires</th>
            <th scope="col">Last used</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {keys.map((k) => (
            <tr key={k.id}>
              <td>{k.name}</td>
              <td class="mono">{k.prefix}…</td>
              <td>{formatDateTime(k.createdAt)}</td>
              <td>{k.expiresAt ? formatDateTime(k.expiresAt) : 'never'}</td>
              <td>{k.lastUsedAt ? formatDateTime(k.lastUsedAt) : 'never'}</td>
              <td>
                <button type="button" class="danger" onClick={() => onRevoke(k)}>
                  Revoke
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** An admin's view of one user's API keys: a leaked key is revoked without deactivating its owner. */
function UserKeys({ owner, onClose }: { owner: UserItem; onClose: () => void }): JSX.Element {
  const { api } = useApp();
  const list = useLoad(`user-keys-${owner.id}`, (signal) =>
    api.get<{ items: ApiKeyItem[] }>(`/api/users/${owner.id}/keys`, undefined, signal),
  );
  const [error, setError] = useState<string | null>(null);
  const revoke = async (k: ApiKeyItem): Promise<void> => {
    if (!window.confirm(`Revoke the key “${k.name}” of ${owner.email}? Programs using it stop working.`)) return;
    setError(null);
    try {
      await api.delete(`/api/users/${owner.id}/keys/${k.id}`);
      list.reload();
    } catch (err) {
      setError(describeError(err));
    }
  };
  const keys = liveKeys(list.data?.items);
  return (
    <section class="card detail" aria-labelledby="user-keys">
      <h2 id="user-keys">API keys of {owner.email}</h2>
      <ActionError message={error} />
      {list.state === 'error' ? <ErrorBox error={list.error} retry={list.reload} /> : null}
      {!list.data ? (
        list.state === 'loading' ? (
          <Loading what="Loading keys" />
        ) : null
      ) : keys.length === 0 ? (
        <p>{owner.name} has no API keys.</p>
      ) : (
        <KeyTable keys={keys} onRevoke={(k) => void revoke(k)} />
      )}
      <p>
        <button type="button" class="secondary" onClick={onClose}>
          Close
        </button>
      </p>
    </section>
  );
}

export function Users(): JSX.Element {
  const { api, user, org, multi } = useApp();
  // Only a user of several organisations is told whose users these are (and may remove one from it).
  const here = multi && org ? org : null;
  const list = useLoad('users', (signal) =>
    api.get<{ items: UserItem[]; total?: number }>('/api/users', { limit: 1000 }, signal),
  );
  const [form, setForm] = useState({ email: '', name: '', role: 'viewer' as Role, password: '' });
  const [error, setError] = useState<string | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [keysOf, setKeysOf] = useState<UserItem | null>(null);

  if (!hasRole(user, 'admin')) {
    return (
      <>
        <PageHeader title="Users" />
        <SettingsTabs current="users" />
        <p class="state">Managing users needs the admin role.</p>
      </>
    );
  }

  const create = async (e: Event): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body: Record<string, string> = { email: form.email.trim(), name: form.name.trim(), role: form.role };
      if (form.password) body.password = form.password;
      const r = await api.post<UserItem & { generatedPassword?: string | null }>('/api/users', body);
      if (r.generatedPassword) setSecret(`Password for ${r.email}: ${r.generatedPassword}`);
      setForm({ email: '', name: '', role: 'viewer', password: '' });
      list.reload();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  const removeMember = async (u: UserItem): Promise<void> => {
    if (!here) return;
    if (!window.confirm(`Remove ${u.email} from ${here.name}? Their access and API keys there end at once.`)) return;
    setError(null);
    try {
      await api.delete(`/api/orgs/${here.slug}/members/${u.id}`);
      list.reload();
    } catch (err) {
      setError(describeError(err));
    }
  };

  const change = async (u: UserItem, patch: Partial<Pick<UserItem, 'role' | 'active' | 'name'>>): Promise<void> => {
    setError(null);
    try {
      if (patch.active === false) await api.delete(`/api/users/${u.id}`);
      else await api.patch(`/api/users/${u.id}`, patch);
      list.reload();
    } catch (err) {
      setError(describeError(err));
    }
  };

  return (
    <>
      <PageHeader title={here ? `Users of ${here.name}` : 'Users'} />
      <SettingsTabs current="users" />
      {secret ? <OneTimeSecret label="New user created." value={secret} onDone={() => setSecret(null)} /> : null}
      <ActionError message={error} />
      <section class="card detail" aria-labelledby="new-user">
        <h2 id="new-user">Add a user</h2>
        <form class="grid-form" onSubmit={(e) => void create(e)}>
          <label>
            E-mail
            <input
              type="email"
              required
              autoComplete="off"
              value={form.email}
              onInput={(e) => setForm({ ...form, email: e.currentTarget.value })}
            />
          </label>
          <label>
            Name
            <input required value={form.name} onInput={(e) => setForm({ ...form, name: e.currentTarget.value })} />
          </label>
          <label>
            Role
            <select value={form.role} onChange={(e) => setForm({ ...form, role: e.currentTarget.value as Role })}>
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </label>
          <label>
            Password (optional)
            <input
              type="password"
              autoComplete="new-password"
              minLength={10}
              aria-describedby="new-user-password-hint"
              value={form.password}
              onInput={(e) => setForm({ ...form, password: e.currentTarget.value })}
            />
          </label>
          <button type="submit" disabled={busy}>
            Add user
          </button>
        </form>
        <p class="hint" id="new-user-password-hint">
          Without a password, one is generated and shown once; a password you give needs 10 to 72 characters.
        </p>
      </section>
      <section class="card detail" aria-labelledby="user-list">
        <h2 id="user-list">{here ? 'Members' : 'All users'}</h2>
        {list.state === 'error' ? <ErrorBox error={list.error} retry={list.reload} /> : null}
        {!list.data ? (
          list.state === 'loading' ? (
            <Loading what="Loading users" />
          ) : null
        ) : list.data.items.length === 0 ? (
          <Empty title="No users" />
        ) : (
          <div class="table-wrap">
            <table class="data controls">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">E-mail</th>
                  <th scope="col">Role</th>
                  <th scope="col">Status</th>
                  <th scope="col">Last sign-in</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {list.data.items.map((u) => (
                  <tr key={u.id}>
                    <td>{u.name}</td>
                    <td>{u.email}</td>
                    <td>
                      <label class="sr-only" for={`role-${u.id}`}>
                        Role of {u.email}
                      </label>
                      <select
                        id={`role-${u.id}`}
                        value={u.role}
                        onChange={(e) => void change(u, { role: e.currentTarget.value as Role })}
                      >
                        {ROLES.map((r) => (
                          <option key={r} value={r}>
                            {r}
                          </option>
                        ))}
                      </select>
                    </td>
                    <td>
                      {u.active === false ? (
                        <Badge tone="neutral">deactivated</Badge>
                      ) : (
                        <Badge tone="pass">active</Badge>
                      )}
                    </td>
                    <td>{formatDateTime(u.lastLoginAt ?? null)}</td>
                    <td>
                      <button
                        type="button"
                        class="secondary"
                        aria-label={`API keys of ${u.email}`}
                        onClick={() => setKeysOf(keysOf?.id === u.id ? null : u)}
                      >
                        API keys
                      </button>{' '}
                      {u.active === false ? (
                        <button type="button" class="secondary" onClick={() => void change(u, { active: true })}>
                          Reactivate
                        </button>
                      ) : (
                        <button
                          type="button"
                          class="danger"
                          disabled={String(u.id) === String(user.id)}
                          onClick={() => {
                            if (window.confirm(`Deactivate ${u.email}? They can no longer sign in.`))
                              void change(u, { active: false });
                          }}
                        >
                          Deactivate
                        </button>
                      )}
                      {here ? (
                        <>
                          {' '}
                          <button
                            type="button"
                            class="danger"
                            disabled={String(u.id) === String(user.id)}
                            aria-label={`Remove ${u.email} from ${here.name}`}
                            onClick={() => void removeMember(u)}
                          >
                            Remove
                          </button>
                        </>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {keysOf ? <UserKeys key={keysOf.id} owner={keysOf} onClose={() => setKeysOf(null)} /> : null}
    </>
  );
}

export function Keys(): JSX.Element {
  const { api } = useApp();
  const list = useLoad('keys', (signal) => api.get<{ items: ApiKeyItem[] }>('/api/keys', undefined, signal));
  const [name, setName] = useState('');
  const [expires, setExpires] = useState('');
  const [secret, setSecret] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const create = async (e: Event): Promise<void> => {
    e.preventDefault();
    setError(null);
    try {
      const body: Record<string, string> = { name: name.trim() };
      if (expires) body.expiresAt = new Date(`${expires}T23:59:59Z`).toISOString();
      const k = await api.post<NewApiKey>('/api/keys', body);
      if (k.key) setSecret(k.key);
      setName('');
      setExpires('');
      list.reload();
    } catch (err) {
      setError(describeError(err));
    }
  };

  const revoke = async (k: ApiKeyItem): Promise<void> => {
    if (!window.confirm(`Revoke the key “${k.name}”? Programs using it stop working.`)) return;
    try {
      await api.delete(`/api/keys/${k.id}`);
      list.reload();
    } catch (err) {
      setError(describeError(err));
    }
  };

  const keys = liveKeys(list.data?.items);
  return (
    <>
      <PageHeader title="My API keys" />
      <SettingsTabs current="keys" />
      <p>
        API keys let scripts and other tools read the API as you (with your role): send the key in the{' '}
        <code>X-API-Key</code> header.
      </p>
      {secret ? <OneTimeSecret label="Your new API key." value={secret} onDone={() => setSecret(null)} /> : null}
      <ActionError message={error} />
      <section class="card detail" aria-labelledby="new-key">
        <h2 id="new-key">Create a key</h2>
        <form class="grid-form" onSubmit={(e) => void create(e)}>
          <label>
            Name
            <input
              required
              maxLength={100}
              value={name}
              placeholder="e.g. Grafana"
              onInput={(e) => setName(e.currentTarget.value)}
            />
          </label>
          <label>
            Expires (optional)
            <input type="date" value={expires} onInput={(e) => setExpires(e.currentTarget.value)} />
          </label>
          <button type="submit">Create key</button>
        </form>
      </section>
      <section class="card detail" aria-labelledby="key-list">
        <h2 id="key-list">Your keys</h2>
        {list.state === 'error' ? <ErrorBox error={list.error} retry={list.reload} /> : null}
        {!list.data ? (
          list.state === 'loading' ? (
            <Loading what="Loading keys" />
          ) : null
        ) : keys.length === 0 ? (
          <p>You have no API keys.</p>
        ) : (
          <KeyTable keys={keys} onRevoke={(k) => void revoke(k)} />
        )}
      </section>
    </>
  );
}
