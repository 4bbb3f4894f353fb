// Notification channels (admins): where alerts are sent — e-mail, Slack, Discord, Microsoft Teams, a signed
// webhook — with their settings shown masked as the API answers them, a test message on demand, editing,
// enable/disable and delete. Editing never shows a stored secret: a webhook address or signing secret left empty
// keeps its value (the API's PATCH keeps config keys left out). A server without the channel routes (GET /api/alerts/channels answers 404) says so instead.
import type { JSX } from 'preact';
import { useApp, useLoad } from '../context';
import { useEditForm, useRowNotes } from '../components/use-edit-form';
import { ActionError, Badge, Empty, ErrorBox, FieldError, Loading, PageHeader } from '../components/ui';
import { ApiError } from '../lib/problem';
import { hasRole } from '../lib/session';
import type { ChannelItem, ChannelTest } from '../lib/types';
import { AlertTabs } from './Alerts';

export const CHANNEL_TYPES = [
  { value: 'email', label: 'E-mail' },
  { value: 'slack', label: 'Slack' },
  { value: 'discord', label: 'Discord' },
  { value: 'teams', label: 'Microsoft Teams' },
  { value: 'webhook', label: 'Webhook (signed JSON)' },
] as const;
type ChannelType = (typeof CHANNEL_TYPES)[number]['value'];

/** The organisation's channels; null when the server has no channel routes. */
export function useChannels(enabled: boolean) {
  const { api } = useApp();
  return useLoad(enabled ? 'channels' : null, async (signal) => {
    try {
      return (await api.get<{ items: ChannelItem[] }>('/api/alerts/channels', undefined, signal)).items;
    } catch (err) {
      // a server without the channel routes
      if (err instanceof ApiError && err.status === 404) return null;
      throw err;
    }
  });
}

interface Draft {
  name: string;
  type: ChannelType;
  url: string;
  secret: string;
  to: string;
}
const EMPTY: Draft = { name: '', type: 'slack', url: '', secret: '', to: '' };

/**
 * The request body of the form, or what is wrong with it. `editing`: a change of that channel — an empty webhook
 * address or secret then keeps the stored one (left out of the body), and the type is the channel's.
 */
export function channelBody(
  d: Draft,
  editing?: boolean,
): { body?: Record<string, unknown>; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  if (!d.name.trim()) errors.name = 'is required';
  let config: Record<string, unknown>;
  if (d.type === 'email') {
    const to = d.to
      .split(/[\s,;]+/)
      .map((x) => x.trim())
      .filter(Boolean);
    if (to.length === 0 || to.some((a) => !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(a))) {
      errors['config.to'] = 'give one or more e-mail addresses';
    }
    config = { to };
  } else {
    config = {};
    if (!(editing && d.url.trim() === '')) {
      if (!/^https?:\/\/\S+$/i.test(d.url.trim())) errors['config.url'] = 'must be an https:// (or http://) address';
      config.url = d.url.trim();
    }
    if (d.type === 'webhook' && !(editing && d.secret === '')) {
      if (d.secret.length < 16) errors['config.secret'] = 'must have at least 16 characters';
      config.secret = d.secret;
    }
  }
  if (Object.keys(errors).length) return { errors };
  const body: Record<string, unknown> = editing
    ? { name: d.name.trim(), config }
    : { name: d.name.trim(), type: d.type, config };
  return { body, errors };
}

/** The form filled with a channel's editable settings (secrets stay on the server: empty means unchanged). */
export function draftOf(c: ChannelItem): Draft {
  const to = Array.isArray(c.config.to) ? (c.config.to as unknown[]).map(String).join(', ') : '';
  return { name: c.name, type: c.type as ChannelType, url: '', secret: '', to };
}

const configText = (c: Record<string, unknown>): string =>
  Object.entries(c)
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`)
    .join('; ');

export function Channels(): JSX.Element {
  const { api, user } = useApp();
  const admin = hasRole(user, 'admin');
  const list = useChannels(admin);
  const tests = useRowNotes();
  const form = useEditForm<ChannelItem, Draft>({
    empty: () => EMPTY,
    draftOf,
    bodyOf: (d, editing) => channelBody(d, editing !== null),
    send: (body, editing) =>
      editing ? api.patch(`/api/alerts/channels/${editing.id}`, body) : api.post('/api/alerts/channels', body),
    reload: list.reload,
    // a test outcome was about the settings before the change
    saved: (c) => {
      if (c) tests.forget(c.id);
    },
  });
  if (!admin) {
    return (
      <>
        <PageHeader title="Notification channels" />
        <AlertTabs current="channels" />
        <p class="state">Managing channels needs the admin role.</p>
      </>
    );
  }
  const { draft, set, editing, errors, message, busy, described, act, startEdit, stopEdit, submit: save } = form;
  const test = (c: ChannelItem): Promise<void> =>
    tests.run(c.id, async () => {
      const r = await api.post<ChannelTest>(`/api/alerts/channels/${c.id}/test`, {});
      return r.delivered ? 'delivered' : `not delivered: ${r.error ?? 'unknown error'}`;
    });

  return (
    <>
      <PageHeader title="Notification channels" />
      <AlertTabs current="channels" />
      <ActionError message={message} />
      {list.state === 'error' ? <ErrorBox error={list.error} retry={list.reload} /> : null}
      {list.data === undefined ? (
        list.state === 'loading' ? (
          <Loading what="Loading channels" />
        ) : null
      ) : list.data === null ? (
        <p class="state">This server has no notification channels.</p>
      ) : (
        <>
          <section class="card detail" aria-labelledby="ch-form-h">
            <h2 id="ch-form-h">{editing ? `Edit “${editing.name}”` : 'New channel'}</h2>
            <form class="grid-form" noValidate onSubmit={(e) => void save(e)}>
              <label>
                Name
                <input
                  value={draft.name}
                  maxLength={200}
                  onInput={(e) => set({ name: e.currentTarget.value })}
                  {...described('name')}
                />
                <FieldError id="err-name" message={errors.name} />
              </label>
              <label>
                Type
                <select
                  value={draft.type}
                  disabled={editing !== null}
                  onChange={(e) => set({ type: e.currentTarget.value as ChannelType })}
                >
                  {CHANNEL_TYPES.map((t) => (
                    <option key={t.value} value={t.value}>
                      {t.label}
                    </option>
                  ))}
                </select>
              </label>
              {draft.type === 'email' ? (
                <label>
                  To (e-mail addresses)
                  <input
                    value={draft.to}
                    placeholder="postmaster@example.com"
                    onInput={(e) => set({ to: e.currentTarget.value })}
                    {...described('config.to')}
                  />
                  <FieldError id="err-config.to" message={errors['config.to']} />
                </label>
              ) : (
                <label>
                  Webhook URL
                  <input
                    type="url"
                    value={draft.url}
                    placeholder={
                      editing ? `unchanged: ${String(editing.config.url ?? '')}` : 'https://hooks.slack.com/services/…'
                    }
                    onInput={(e) => set({ url: e.currentTarget.value })}
                    {...described('config.url')}
                  />
                  <FieldError id="err-config.url" message={errors['config.url']} />
                </label>
              )}
              {draft.type === 'webhook' ? (
                <label>
                  Signing secret
                  <input
                    type="password"
                    autoComplete="off"
                    placeholder={editing ? 'unchanged' : undefined}
                    value={draft.secret}
                    onInput={(e) => set({ secret: e.currentTarget.value })}
                    {...described('config.secret')}
                  />
                  <FieldError id="err-config.secret" message={errors['config.secret']} />
                </label>
              ) : null}
              <div class="row-actions">
                <button type="submit" disabled={busy}>
                  {editing ? 'Save channel' : 'Add channel'}
                </button>
                {editing ? (
                  <button type="button" class="secondary" onClick={stopEdit}>
                    Cancel
                  </button>
                ) : null}
              </div>
            </form>
            <p class="hint">
              Webhook addresses and secrets are kept on the server and shown masked. A webhook's body is signed:
              X-DMARC-Signature: sha256=&lt;HMAC-SHA256 of the body with the secret&gt;.
            </p>
          </section>
          <section class="card detail" aria-labelledby="chs-h">
            <h2 id="chs-h">Channels</h2>
            {list.data.length === 0 ? (
              <Empty title="No channels yet">
                <p>Rules notify nobody until they name a channel.</p>
              </Empty>
            ) : (
              <div class="table-wrap">
                <table class="data">
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Type</th>
                      <th scope="col">Settings</th>
                      <th scope="col">Status</th>
                      <th scope="col">Actions</th>
                    </tr>
                  </thead>
                  <tbody>
                    {list.data.map((c) => (
                      <tr key={c.id}>
                        <td>{c.name}</td>
                        <td>{CHANNEL_TYPES.find((t) => t.value === c.type)?.label ?? c.type}</td>
                        <td class="mono params-cell">{configText(c.config)}</td>
                        <td>
                          {c.enabled ? <Badge tone="pass">enabled</Badge> : <Badge tone="neutral">disabled</Badge>}
                        </td>
                        <td>
                          <div class="row-actions">
                            <button type="button" class="secondary" onClick={() => void test(c)}>
                              Send test
                            </button>
                            <button
                              type="button"
                              class="secondary"
                              aria-label={`Edit ${c.name}`}
                              onClick={() => startEdit(c)}
                            >
                              Edit
                            </button>
                            <button
                              type="button"
                              class="secondary"
                              onClick={() =>
                                void act(() => api.patch(`/api/alerts/channels/${c.id}`, { enabled: !c.enabled }))
                              }
                            >
                              {c.enabled ? 'Disable' : 'Enable'}
                            </button>
                            <button
                              type="button"
                              class="danger"
                              onClick={() => {
                                if (window.confirm(`Delete the channel “${c.name}”? Rules stop naming it.`)) {
                                  if (editing?.id === c.id) stopEdit();
                                  void act(() => api.delete(`/api/alerts/channels/${c.id}`));
                                }
                              }}
                            >
                              Delete
                            </button>
                          </div>
                          {tests.notes[c.id] ? (
                            <p class="muted" role="status" data-testid={`test-${c.id}`}>
                              Test: {tests.notes[c.id]}
                            </p>
                          ) : null}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        </>
      )}
    </>
  );
}
