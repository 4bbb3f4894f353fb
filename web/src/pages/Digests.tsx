// E-mail digests (admins): scheduled summaries of the organisation's reports — recipients, domains (none: all),
// daily, weekly or monthly in a time zone, from a local hour, with or without the PDF report — each with its
// latest scheduled sends; "Send now" sends the last complete period to every recipient at once (whatever was
// sent before). A server without the digest routes (GET /api/digests answers 404) says so instead.
import type { JSX } from 'preact';
import { useApp, useLoad } from '../context';
import { useEditForm, useRowNotes } from '../components/use-edit-form';
import { ActionError, Badge, Empty, ErrorBox, FieldError, Loading, PageHeader } from '../components/ui';
import { AlertTabs } from './Alerts';
import { ApiError } from '../lib/problem';
import { hasRole } from '../lib/session';
import type { DigestItem, DigestSendResult } from '../lib/types';

const CADENCES = [
  { value: 'daily', label: 'Daily (the previous day)' },
  { value: 'weekly', label: 'Weekly (the previous Monday–Sunday)' },
  { value: 'monthly', label: 'Monthly (the previous month)' },
] as const;
type Cadence = (typeof CADENCES)[number]['value'];

interface Draft {
  name: string;
  recipients: string;
  domains: string;
  cadence: Cadence;
  timeZone: string;
  sendHour: string;
  attachPdf: boolean;
}

const browserZone = (): string => {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
};
const emptyDraft = (): Draft => ({
  name: '',
  recipients: '',
  domains: '',
  cadence: 'weekly',
  timeZone: browserZone(),
  sendHour: '8',
  attachPdf: false,
});

const words = (s: string): string[] =>
  s
    .split(/[\s,;]+/)
    .map((x) => x.trim())
    .filter(Boolean);

/** The body of a create or change, or the fields that are wrong (the server checks them again). */
export function digestBody(d: Draft): { body?: Record<string, unknown>; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  if (!d.name.trim()) errors.name = 'is required';
  const recipients = words(d.recipients);
  if (recipients.length === 0 || recipients.some((a) => !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(a))) {
    errors.recipients = 'give one or more e-mail addresses';
  }
  const hour = Number(d.sendHour);
  if (!/^\d{1,2}$/.test(d.sendHour) || hour > 23) errors.sendHour = 'an hour from 0 to 23';
  if (!d.timeZone.trim()) errors.timeZone = 'is required';
  if (Object.keys(errors).length) return { errors };
  return {
    body: {
      name: d.name.trim(),
      recipients,
      domains: words(d.domains.toLowerCase()),
      cadence: d.cadence,
      timeZone: d.timeZone.trim(),
      sendHour: hour,
      attachPdf: d.attachPdf,
    },
    errors,
  };
}

const draftOf = (d: DigestItem): Draft => ({
  name: d.name,
  recipients: d.recipients.join(', '),
  domains: d.domains.join(', '),
  cadence: d.cadence,
  timeZone: d.timeZone,
  sendHour: String(d.sendHour),
  attachPdf: d.attachPdf,
});

const ZONES: string[] = (() => {
  const f = (Intl as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf;
  try {
    return f ? f('timeZone') : [];
  } catch {
    return [];
  }
})();

const when = (iso: string | null): string => (iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : '–');

export function Digests(): JSX.Element {
  const { api, user } = useApp();
  const admin = hasRole(user, 'admin');
  const list = useLoad(admin ? 'digests' : null, async (signal) => {
    try {
      return (await api.get<{ items: DigestItem[] }>('/api/digests', undefined, signal)).items;
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return null;
      throw err;
    }
  });
  const sends = useRowNotes();
  const form = useEditForm<DigestItem, Draft>({
    empty: emptyDraft,
    draftOf,
    bodyOf: digestBody,
    send: (body, editing) => (editing ? api.patch(`/api/digests/${editing.id}`, body) : api.post('/api/digests', body)),
    reload: list.reload,
    // a recipient's error is about its place in the list: shown on the recipients field
    fieldOf: (f) => f.replace(/\.\d+$/, ''),
  });

  if (!admin) {
    return (
      <>
        <PageHeader title="E-mail digests" />
        <AlertTabs current="digests" />
        <p class="state">Managing digests needs the admin role.</p>
      </>
    );
  }
  const { draft, set, editing, errors, message, busy, described, act, startEdit, stopEdit, submit: save } = form;
  const sendNow = (d: DigestItem): Promise<void> =>
    sends.run(d.id, async () => {
      const r = await api.post<DigestSendResult>(`/api/digests/${d.id}/send`, {});
      const sent = r.outcomes.filter((o) => o.status === 'sent').length;
      const failed = r.outcomes.filter((o) => o.status === 'failed');
      list.reload();
      return (
        `${r.period.start === r.period.end ? r.period.start : `${r.period.start} – ${r.period.end}`}: ` +
        `sent to ${sent} of ${r.outcomes.length}` +
        (failed.length ? `; not to ${failed.map((o) => `${o.recipient} (${o.error ?? 'error'})`).join(', ')}` : '')
      );
    });
  const runs = (list.data ?? []).flatMap((d) =>
    d.runs.map((r) => ({ ...r, digest: d.name, key: `${d.id}-${r.periodStart}-${r.recipient}` })),
  );
  runs.sort((a, b) => (a.claimedAt < b.claimedAt ? 1 : a.claimedAt > b.claimedAt ? -1 : 0));

  return (
    <>
      <PageHeader title="E-mail digests" />
      <AlertTabs current="digests" />
      <ActionError message={message} />
      {list.state === 'error' ? <ErrorBox error={list.error} retry={list.reload} /> : null}
      {list.data === undefined ? (
        list.state === 'loading' ? (
          <Loading what="Loading digests" />
        ) : null
      ) : list.data === null ? (
        <p class="state">This server has no e-mail digests.</p>
      ) : (
        <>
          <section class="card detail" aria-labelledby="dg-form-h">
            <h2 id="dg-form-h">{editing === null ? 'New digest' : `Change “${draft.name}”`}</h2>
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
                Recipients (e-mail addresses)
                <input
                  value={draft.recipients}
                  placeholder="postmaster@example.com, soc@example.com"
                  onInput={(e) => set({ recipients: e.currentTarget.value })}
                  {...described('recipients')}
                />
                <FieldError id="err-recipients" message={errors.recipients} />
              </label>
              <label>
                Domains (empty: all)
                <input
                  value={draft.domains}
                  placeholder="example.com, example.org"
                  onInput={(e) => set({ domains: e.currentTarget.value })}
                  {...described('domains')}
                />
                <FieldError id="err-domains" message={errors.domains} />
              </label>
              <label>
                Cadence
                <select value={draft.cadence} onChange={(e) => set({ cadence: e.currentTarget.value as Cadence })}>
                  {CADENCES.map((c) => (
                    <option key={c.value} value={c.value}>
                      {c.label}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                Time zone
                <input
                  value={draft.timeZone}
                  list="digest-zones"
                  onInput={(e) => set({ timeZone: e.currentTarget.value })}
                  {...described('timeZone')}
                />
                <datalist id="digest-zones">
                  {ZONES.map((z) => (
                    <option key={z} value={z} />
                  ))}
                </datalist>
                <FieldError id="err-timeZone" message={errors.timeZone} />
              </label>
              <label>
                Send from (local hour)
                <input
                  type="number"
                  min={0}
                  max={23}
                  value={draft.sendHour}
                  onInput={(e) => set({ sendHour: e.currentTarget.value })}
                  {...described('sendHour')}
                />
                <FieldError id="err-sendHour" message={errors.sendHour} />
              </label>
              <label class="radio">
                <input
                  type="checkbox"
                  checked={draft.attachPdf}
                  onChange={(e) => set({ attachPdf: e.currentTarget.checked })}
                />
                Attach the PDF report
              </label>
              <div class="row-actions">
                <button type="submit" disabled={busy}>
                  {editing === null ? 'Add digest' : 'Save changes'}
                </button>
                {editing !== null ? (
                  <button type="button" class="secondary" onClick={stopEdit}>
                    Cancel
                  </button>
                ) : null}
              </div>
            </form>
            <p class="hint">
              A digest covers the last complete day, week (Monday–Sunday) or month in its time zone and is sent from the
              hour given on the day after. Each recipient gets each period once; a period missed while the server was
              down is sent late, once. “Send now” sends the last complete period again to everyone.
            </p>
          </section>
          <section class="card detail" aria-labelledby="dgs-h">
            <h2 id="dgs-h">Digests</h2>
            {list.data.length === 0 ? (
              <Empty title="No digests yet">
                <p>Add one above to have a summary of the reports e-mailed on a schedule.</p>
              </Empty>
            ) : (
              <div class="table-wrap">
                <table class="data">
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Recipients</th>
                      <th scope="col">Domains</th>
                      <th scope="col">Schedule</th>
                      <th scope="col">PDF</th>
                      <th scope="col">Status</th>
                      <th scope="col">Actions</th>
                    </tr>
                  </thead>
                  <tbody>
                    {list.data.map((d) => (
                      <tr key={d.id}>
                        <td>{d.name}</td>
                        <td class="params-cell">{d.recipients.join(', ')}</td>
                        <td>{d.domains.length ? d.domains.join(', ') : 'all'}</td>
                        <td>
                          {d.cadence}, from {String(d.sendHour).padStart(2, '0')}:00 {d.timeZone}
                        </td>
                        <td>{d.attachPdf ? 'attached' : '–'}</td>
                        <td>
                          {d.enabled ? <Badge tone="pass">enabled</Badge> : <Badge tone="neutral">disabled</Badge>}
                        </td>
                        <td>
                          <div class="row-actions">
                            <button type="button" class="secondary" onClick={() => void sendNow(d)}>
                              Send now
                            </button>
                            <button type="button" class="secondary" onClick={() => startEdit(d)}>
                              Edit
                            </button>
                            <button
                              type="button"
                              class="secondary"
                              onClick={() => void act(() => api.patch(`/api/digests/${d.id}`, { enabled: !d.enabled }))}
                            >
                              {d.enabled ? 'Disable' : 'Enable'}
                            </button>
                            <button
                              type="button"
                              class="danger"
                              onClick={() => {
                                if (window.confirm(`Delete the digest “${d.name}” and the record of its sends?`)) {
                                  void act(() => api.delete(`/api/digests/${d.id}`));
                                }
                              }}
                            >
                              Delete
                            </button>
                          </div>
                          {sends.notes[d.id] ? (
                            <p class="muted" role="status" data-testid={`send-${d.id}`}>
                              Send now: {sends.notes[d.id]}
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
          <section class="card detail" aria-labelledby="dgr-h">
            <h2 id="dgr-h">Last scheduled sends</h2>
            {runs.length === 0 ? (
              <p class="muted">No scheduled send yet.</p>
            ) : (
              <div class="table-wrap">
                <table class="data">
                  <thead>
                    <tr>
                      <th scope="col">Digest</th>
                      <th scope="col">Period</th>
                      <th scope="col">Recipient</th>
                      <th scope="col">Status</th>
                      <th scope="col">Attempts</th>
                      <th scope="col">Sent</th>
                      <th scope="col">Error</th>
                    </tr>
                  </thead>
                  <tbody>
                    {runs.map((r) => (
                      <tr key={r.key}>
                        <td>{r.digest}</td>
                        <td>{r.periodStart === r.periodEnd ? r.periodStart : `${r.periodStart} – ${r.periodEnd}`}</td>
                        <td>{r.recipient}</td>
                        <td>
                          <Badge tone={r.status === 'sent' ? 'pass' : r.status === 'failed' ? 'fail' : 'neutral'}>
                            {r.status}
                          </Badge>
                        </td>
                        <td class="num">{r.attempts}</td>
                        <td>{when(r.sentAt)}</td>
                        <td class="params-cell">{r.error ?? ''}</td>
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
