// Platform administration: the organisations (create, rename, delete) and the members of each (add an existing
// user or create one, change a role, remove). The members table is shared with the Users page, where an
// organisation's admins manage their own organisation.
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { useApp, useLoad } from '../context';
import { ActionError, Badge, Empty, ErrorBox, Loading, PageHeader } from '../components/ui';
import { formatDate, formatDateTime } from '../lib/format';
import { describeError } from '../lib/problem';
import { SLUG_PATTERN, withOrg } from '../lib/routes';
import { SLUG_HINT, slugFrom, slugProblem } from '../lib/slug';
import type { Role } from '../lib/session';
import type {
  AddedMember,
  CreatedOrg,
  MemberItem,
  NewMember,
  NewOrg,
  OrgChange,
  OrgDetail,
  OrgRef,
  Page,
  UpdatedOrg,
} from '../lib/types';
import { Link, navigate, useLocation } from '../router';

const ROLES: Role[] = ['viewer', 'analyst', 'admin'];

/** "a, b, c and 4 more" */
function listSome(items: string[], n: number): string {
  if (items.length <= n) return items.join(', ');
  return `${items.slice(0, n).join(', ')} and ${items.length - n} more`;
}

function NotPlatformAdmin({ title }: { title: string }): JSX.Element {
  return (
    <>
      <PageHeader title={title} />
      <p class="state">This page is for platform administrators.</p>
    </>
  );
}

export function Organizations(): JSX.Element {
  const { api, user, refreshOrgs } = useApp();
  const list = useLoad(user.platformAdmin ? 'orgs' : null, (signal) =>
    api.get<{ items: OrgRef[] }>('/api/orgs', undefined, signal),
  );
  const [form, setForm] = useState({ name: '', slug: '', slugEdited: false });
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<CreatedOrg | null>(null);
  const [busy, setBusy] = useState(false);

  if (!user.platformAdmin) return <NotPlatformAdmin title="Organisations" />;

  const create = async (e: Event): Promise<void> => {
    e.preventDefault();
    setError(null);
    setCreated(null);
    const slug = form.slug.trim();
    const problem = slugProblem(slug);
    if (problem) {
      setError(problem);
      document.getElementById('org-slug')?.focus();
      return;
    }
    setBusy(true);
    try {
      const body: NewOrg = { slug, name: form.name.trim() };
      setCreated(await api.post<CreatedOrg>('/api/orgs', body));
      setForm({ name: '', slug: '', slugEdited: false });
      list.reload();
      await refreshOrgs();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  const items = [...(list.data?.items ?? [])].sort((a, b) => a.name.localeCompare(b.name));
  return (
    <>
      <PageHeader title="Organisations" />
      <p class="lead">
        Each organisation has its own reports, members and API keys. As a platform administrator you are an admin in
        every one of them.
      </p>
      <ActionError message={error} />
      {created ? (
        <p class="state success" role="status">
          Created {created.name}. <Link href={`/settings/organizations/${created.slug}`}>Add its members</Link>
        </p>
      ) : null}
      <section class="card detail" aria-labelledby="new-org">
        <h2 id="new-org">Create an organisation</h2>
        <form class="grid-form" onSubmit={(e) => void create(e)}>
          <label>
            Name
            <input
              required
              maxLength={200}
              value={form.name}
              placeholder="e.g. Acme Corp"
              onInput={(e) => {
                const name = e.currentTarget.value;
                setForm({ ...form, name, slug: form.slugEdited ? form.slug : slugFrom(name) });
              }}
            />
          </label>
          <label>
            Slug (in links: /o/slug/)
            <input
              id="org-slug"
              required
              maxLength={63}
              autoComplete="off"
              spellcheck={false}
              value={form.slug}
              aria-describedby="org-slug-hint"
              aria-invalid={form.slug !== '' && !SLUG_PATTERN.test(form.slug)}
              onInput={(e) => setForm({ ...form, slug: e.currentTarget.value, slugEdited: true })}
            />
          </label>
          <button type="submit" disabled={busy}>
            Create organisation
          </button>
        </form>
        <p id="org-slug-hint" class="hint">
          {SLUG_HINT}.
        </p>
      </section>
      <section class="card detail" aria-labelledby="org-list">
        <h2 id="org-list">All organisations</h2>
        {list.state === 'error' ? <ErrorBox error={list.error} retry={list.reload} /> : null}
        {!list.data ? (
          list.state === 'loading' ? (
            <Loading what="Loading organisations" />
          ) : null
        ) : items.length === 0 ? (
          <Empty title="No organisations yet">
            <p>Create the first one with the form above, then add its members.</p>
          </Empty>
        ) : (
          <div class="table-wrap">
            <table class="data controls" data-testid="org-table">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Slug</th>
                  <th scope="col">Your role</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {items.map((o) => (
                  <tr key={o.id}>
                    <th scope="row" class="row-head">
                      {o.name}
                    </th>
                    <td class="mono">{o.slug}</td>
                    <td>{o.role}</td>
                    <td class="actions">
                      <Link
                        class="button secondary small"
                        href={`/settings/organizations/${o.slug}`}
                        aria-label={`Members and settings of ${o.name}`}
                      >
                        Members and settings
                      </Link>
                      <Link
                        absolute
                        class="button secondary small"
                        href={withOrg(o.slug, '/')}
                        aria-label={`Open the dashboard of ${o.name}`}
                      >
                        Open dashboard
                      </Link>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}

/** One organisation: rename, members, delete. */
export function Organization({ slug }: { slug: string }): JSX.Element {
  const { api, user, refreshOrgs } = useApp();
  const loc = useLocation();
  const detail = useLoad(user.platformAdmin ? `org-${slug}` : null, (signal) =>
    api.get<OrgDetail>(`/api/orgs/${slug}`, undefined, signal),
  );
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [edit, setEdit] = useState<{ name: string; slug: string } | null>(null);
  const [confirmText, setConfirmText] = useState('');

  if (!user.platformAdmin) return <NotPlatformAdmin title="Organisation" />;
  if (!detail.data) {
    return (
      <>
        <PageHeader title="Organisation">
          <Link href="/settings/organizations">← All organisations</Link>
        </PageHeader>
        {detail.state === 'error' ? (
          <ErrorBox error={detail.error} retry={detail.reload} />
        ) : (
          <Loading what="Loading the organisation" />
        )}
      </>
    );
  }
  const org = detail.data;
  const form = edit ?? { name: org.name, slug: org.slug };

  const save = async (e: Event): Promise<void> => {
    e.preventDefault();
    setError(null);
    setSaved(null);
    const change: OrgChange = {};
    if (form.name.trim() !== org.name) change.name = form.name.trim();
    if (form.slug.trim() !== org.slug) change.slug = form.slug.trim();
    if (Object.keys(change).length === 0) return;
    const problem = change.slug !== undefined ? slugProblem(change.slug) : null;
    if (problem) {
      setError(problem);
      return;
    }
    try {
      const r = await api.patch<UpdatedOrg>(`/api/orgs/${org.slug}`, change);
      setEdit(null);
      setSaved(`Saved: ${r.name} (${r.slug}).`);
      if (r.slug !== org.slug) {
        // The old slug names nothing any more: this page (and the URL's organisation, when it was this one) move.
        const here = `/settings/organizations/${r.slug}`;
        const to = withOrg(loc.org === org.slug ? r.slug : loc.org, here);
        await refreshOrgs(() => navigate(to, { replace: true, absolute: true }));
      } else {
        await refreshOrgs();
        detail.reload();
      }
    } catch (err) {
      setError(describeError(err));
    }
  };

  const remove = async (e: Event): Promise<void> => {
    e.preventDefault();
    setError(null);
    try {
      await api.delete(`/api/orgs/${org.slug}`);
      // Its pages are gone: back to the list (in the default organisation when the URL named this one).
      const to = loc.org === org.slug ? '/settings/organizations' : withOrg(loc.org, '/settings/organizations');
      await refreshOrgs(() => navigate(to, { replace: true, absolute: true }));
    } catch (err) {
      setError(describeError(err));
    }
  };

  const domains = org.domains.length;
  const someDomains = listSome(org.domains, 6);
  return (
    <>
      <PageHeader title={org.name}>
        <Link href="/settings/organizations">← All organisations</Link>
        <Link absolute class="button secondary" href={withOrg(org.slug, '/')}>
          Open its dashboard
        </Link>
      </PageHeader>
      <p class="lead">
        Slug <code>{org.slug}</code> · created {formatDate(org.createdAt.slice(0, 10))} · your role: {org.role} ·{' '}
        {domains === 0 ? 'no reports yet' : `reports for ${domains} domain${domains === 1 ? '' : 's'}: ${someDomains}`}
      </p>
      <ActionError message={error} />
      {saved ? (
        <p class="state success" role="status">
          {saved}
        </p>
      ) : null}
      <section class="card detail" aria-labelledby="org-rename">
        <h2 id="org-rename">Name and slug</h2>
        <form class="grid-form" onSubmit={(e) => void save(e)}>
          <label>
            Name
            <input
              required
              maxLength={200}
              value={form.name}
              onInput={(e) => setEdit({ ...form, name: e.currentTarget.value })}
            />
          </label>
          <label>
            Slug
            <input
              required
              maxLength={63}
              autoComplete="off"
              spellcheck={false}
              value={form.slug}
              aria-describedby="rename-slug-hint"
              aria-invalid={!SLUG_PATTERN.test(form.slug)}
              onInput={(e) => setEdit({ ...form, slug: e.currentTarget.value })}
            />
          </label>
          <button type="submit" disabled={form.name.trim() === org.name && form.slug.trim() === org.slug}>
            Save
          </button>
        </form>
        <p id="rename-slug-hint" class="hint">
          {SLUG_HINT}. Links with the old slug stop working when it changes.
        </p>
      </section>
      <Members slug={org.slug} orgName={org.name} />
      <section class="card detail danger-zone" aria-labelledby="org-delete">
        <h2 id="org-delete">Delete the organisation</h2>
        <p>
          This deletes <strong>{org.name}</strong> (<code>{org.slug}</code>) and all of its data:{' '}
          {domains === 0 ? 'its ingested files' : `the reports and records of ${someDomains}, its files`}, rollups,
          mailboxes, its members&apos; access and their API keys here. The users themselves stay (they may belong to
          other organisations). It cannot be undone.
        </p>
        <form class="grid-form" onSubmit={(e) => void remove(e)}>
          <label>
            Type {org.slug} to confirm
            <input
              autoComplete="off"
              spellcheck={false}
              value={confirmText}
              onInput={(e) => setConfirmText(e.currentTarget.value)}
            />
          </label>
          <button type="submit" class="danger" disabled={confirmText.trim() !== org.slug}>
            Delete {org.name}
          </button>
        </form>
      </section>
    </>
  );
}

/** The members of an organisation (its admins' and the platform administrators' view). */
export function Members({ slug, orgName }: { slug: string; orgName: string }): JSX.Element {
  const { api, user } = useApp();
  const base = `/api/orgs/${slug}/members`;
  const list = useLoad(`members-${slug}`, (signal) => api.get<Page<MemberItem>>(base, { limit: 1000 }, signal));
  const [mode, setMode] = useState<'existing' | 'new'>('existing');
  const [form, setForm] = useState({ email: '', role: 'viewer' as Role, name: '', password: '' });
  const [error, setError] = useState<string | null>(null);
  const [added, setAdded] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const add = async (e: Event): Promise<void> => {
    e.preventDefault();
    setError(null);
    setAdded(null);
    setBusy(true);
    try {
      const body: NewMember = { email: form.email.trim(), role: form.role };
      if (mode === 'new') {
        body.name = form.name.trim();
        body.password = form.password;
      }
      const m = await api.post<AddedMember>(base, body);
      setAdded(`${m.name} (${m.email}) is now ${m.role === 'admin' ? 'an' : 'a'} ${m.role} of ${orgName}.`);
      setForm({ email: '', role: form.role, name: '', password: '' });
      list.reload();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  const setRole = async (m: MemberItem, role: Role): Promise<void> => {
    setError(null);
    setAdded(null);
    try {
      await api.patch(`${base}/${m.id}`, { role });
    } catch (err) {
      setError(describeError(err));
    }
    list.reload();
  };

  const remove = async (m: MemberItem): Promise<void> => {
    const self = String(m.id) === String(user.id);
    const what = self ? `Remove yourself from ${orgName}?` : `Remove ${m.email} from ${orgName}?`;
    if (!window.confirm(`${what} Their access and their API keys there end at once; the user stays.`)) return;
    setError(null);
    setAdded(null);
    try {
      await api.delete(`${base}/${m.id}`);
      list.reload();
    } catch (err) {
      setError(describeError(err));
    }
  };

  const items = list.data?.items ?? [];
  return (
    <section class="card detail" aria-labelledby={`members-${slug}`}>
      <h2 id={`members-${slug}`}>Members of {orgName}</h2>
      <ActionError message={error} />
      {added ? (
        <p class="state success" role="status">
          {added}
        </p>
      ) : null}
      {list.state === 'error' ? <ErrorBox error={list.error} retry={list.reload} /> : null}
      {!list.data ? (
        list.state === 'loading' ? (
          <Loading what="Loading members" />
        ) : null
      ) : items.length === 0 ? (
        <Empty title="No members yet">
          <p>Add an existing user by e-mail, or create a new one, with the form below.</p>
        </Empty>
      ) : (
        <div class="table-wrap">
          <table class="data controls" data-testid="members-table">
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
              {items.map((m) => (
                <tr key={m.id}>
                  <th scope="row" class="row-head">
                    {m.name}
                    {m.platformAdmin ? (
                      <>
                        {' '}
                        <Badge tone="neutral">platform admin</Badge>
                      </>
                    ) : null}
                  </th>
                  <td>{m.email}</td>
                  <td>
                    <label class="sr-only" for={`member-role-${slug}-${m.id}`}>
                      Role of {m.email}
                    </label>
                    <select
                      id={`member-role-${slug}-${m.id}`}
                      value={m.role}
                      onChange={(e) => void setRole(m, e.currentTarget.value as Role)}
                    >
                      {ROLES.map((r) => (
                        <option key={r} value={r}>
                          {r}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>{m.active ? <Badge tone="pass">active</Badge> : <Badge tone="neutral">deactivated</Badge>}</td>
                  <td>{formatDateTime(m.lastLoginAt)}</td>
                  <td>
                    <button
                      type="button"
                      class="danger"
                      aria-label={`Remove ${m.email} from ${orgName}`}
                      onClick={() => void remove(m)}
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h3 id={`add-member-${slug}`}>Add a member</h3>
      <form class="member-form" aria-labelledby={`add-member-${slug}`} onSubmit={(e) => void add(e)}>
        <fieldset class="choice">
          <legend class="sr-only">Who</legend>
          <label class="radio">
            <input type="radio" name="member-mode" checked={mode === 'existing'} onChange={() => setMode('existing')} />
            An existing user
          </label>
          <label class="radio">
            <input type="radio" name="member-mode" checked={mode === 'new'} onChange={() => setMode('new')} />A new user
          </label>
        </fieldset>
        <div class="grid-form">
          <label>
            E-mail
            <input
              type="email"
              required
              autoComplete="off"
              maxLength={320}
              value={form.email}
              onInput={(e) => setForm({ ...form, email: e.currentTarget.value })}
            />
          </label>
          {mode === 'new' ? (
            <>
              <label>
                Name
                <input
                  required
                  maxLength={200}
                  value={form.name}
                  onInput={(e) => setForm({ ...form, name: e.currentTarget.value })}
                />
              </label>
              <label>
                Password
                <input
                  type="password"
                  required
                  minLength={10}
                  maxLength={72}
                  autoComplete="new-password"
                  aria-describedby={`new-member-hint-${slug}`}
                  value={form.password}
                  onInput={(e) => setForm({ ...form, password: e.currentTarget.value })}
                />
              </label>
            </>
          ) : null}
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
          <button type="submit" disabled={busy}>
            {mode === 'new' ? 'Create and add' : 'Add member'}
          </button>
        </div>
        <p class="hint" id={`new-member-hint-${slug}`}>
          {mode === 'new'
            ? 'A password of 10 to 72 characters: give it to the new user, who signs in with it.'
            : 'Someone who already has an account here (in any organisation) keeps their password.'}
        </p>
      </form>
    </section>
  );
}
