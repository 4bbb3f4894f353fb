// Suppressions (admins): maintenance windows during which breaches are recorded but not notified — what they
// cover (a rule, a domain, a subject, or everything), when (a window, or a recurring cron window in a time zone),
// why, and who made them; whether each holds now and its next window. Creating one and deleting one.
import type { JSX } from 'preact';
import { useApp, useLoad } from '../context';
import { useEditForm } from '../components/use-edit-form';
import { ActionError, Badge, Empty, ErrorBox, FieldError, Loading, PageHeader } from '../components/ui';
import { formatDateTime } from '../lib/format';
import { hasRole } from '../lib/session';
import type { RuleItem, SuppressionItem } from '../lib/types';
import { AlertTabs } from './Alerts';

interface Draft {
  /** null: a new suppression. */
  id: number | null;
  scope: 'some' | 'all';
  ruleId: string;
  domain: string;
  subject: string;
  when: 'window' | 'recurring';
  startsAt: string;
  endsAt: string;
  cron: string;
  timezone: string;
  durationMinutes: string;
  reason: string;
}

const EMPTY: Draft = {
  id: null,
  scope: 'some',
  ruleId: '',
  domain: '',
  subject: '',
  when: 'window',
  startsAt: '',
  endsAt: '',
  cron: '0 2 * * 6',
  timezone: 'UTC',
  durationMinutes: '120',
  reason: '',
};

/** A datetime-local value (read as UTC) as ISO 8601; '' stays ''. */
const utc = (local: string): string => (local ? `${local}${local.length === 16 ? ':00' : ''}Z` : '');

export function bodyOfSuppression(d: Draft): { body?: Record<string, unknown>; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  if (!d.reason.trim()) errors.reason = 'is required: say why';
  // every field, cleared ones as null: a change from a window to a recurring one (or back) says so
  const body: Record<string, unknown> = {
    reason: d.reason.trim(),
    ruleId: null,
    domain: null,
    subject: null,
    startsAt: null,
    endsAt: null,
    cron: null,
    durationMinutes: null,
  };
  if (d.scope === 'all') body.all = true;
  else {
    if (d.ruleId) body.ruleId = Number(d.ruleId);
    if (d.domain.trim()) body.domain = d.domain.trim();
    if (d.subject.trim()) body.subject = d.subject.trim();
    if (!d.ruleId && !d.domain.trim() && !d.subject.trim()) {
      errors.all = 'choose a rule, a domain or a subject, or "everything"';
    }
  }
  if (d.when === 'window') {
    if (!d.startsAt) errors.startsAt = 'is required';
    if (!d.endsAt) errors.endsAt = 'is required';
    if (d.startsAt && d.endsAt && d.endsAt <= d.startsAt) errors.endsAt = 'must be after the start';
    body.startsAt = utc(d.startsAt);
    body.endsAt = utc(d.endsAt);
  } else {
    if (d.cron.trim().split(/\s+/).length < 5) errors.cron = 'needs five fields: minute hour day month weekday';
    const n = Number(d.durationMinutes);
    if (!Number.isInteger(n) || n < 1) errors.durationMinutes = 'must be a whole number of minutes, 1 or more';
    body.cron = d.cron.trim();
    body.timezone = d.timezone.trim() || 'UTC';
    body.durationMinutes = n;
  }
  return Object.keys(errors).length ? { errors } : { body, errors };
}

/** The form's draft of a stored suppression. */
function draftOf(s: SuppressionItem): Draft {
  const local = (iso: string | null): string => (iso ? iso.slice(0, 16) : '');
  return {
    id: s.id,
    scope: s.all ? 'all' : 'some',
    ruleId: s.ruleId !== null ? String(s.ruleId) : '',
    domain: s.domain ?? '',
    subject: s.subject ?? '',
    when: s.cron ? 'recurring' : 'window',
    startsAt: local(s.startsAt),
    endsAt: local(s.endsAt),
    cron: s.cron ?? EMPTY.cron,
    timezone: s.timezone,
    durationMinutes: s.durationMinutes !== null ? String(s.durationMinutes) : EMPTY.durationMinutes,
    reason: s.reason,
  };
}

const whatOf = (s: SuppressionItem, rules: Map<number, string>): string =>
  s.all
    ? 'everything'
    : [
        s.ruleId !== null ? `rule ${rules.get(s.ruleId) ?? s.ruleId}` : null,
        s.domain ? `domain ${s.domain}` : null,
        s.subject ? `subject ${s.subject}` : null,
      ]
        .filter(Boolean)
        .join(', ');

const whenOf = (s: SuppressionItem): string =>
  s.cron
    ? `${s.cron} (${s.timezone}) for ${s.durationMinutes ?? '?'} min${s.startsAt || s.endsAt ? `, ${formatDateTime(s.startsAt)} to ${formatDateTime(s.endsAt)}` : ''}`
    : `${formatDateTime(s.startsAt)} to ${formatDateTime(s.endsAt)}`;

export function Suppressions(): JSX.Element {
  const { api, user } = useApp();
  const admin = hasRole(user, 'admin');
  const list = useLoad(admin ? 'suppressions' : null, (signal) =>
    api.get<{ items: SuppressionItem[] }>('/api/alerts/suppressions', undefined, signal),
  );
  const rules = useLoad(admin ? 'rules' : null, (signal) =>
    api.get<{ items: RuleItem[] }>('/api/alerts/rules', undefined, signal),
  );
  const form = useEditForm<SuppressionItem, Draft>({
    empty: () => EMPTY,
    draftOf,
    bodyOf: (d) => bodyOfSuppression(d),
    send: (body, editing) =>
      editing ? api.patch(`/api/alerts/suppressions/${editing.id}`, body) : api.post('/api/alerts/suppressions', body),
    reload: list.reload,
  });
  const ruleNames = new Map((rules.data?.items ?? []).map((r) => [r.id, r.name]));

  if (!admin) {
    return (
      <>
        <PageHeader title="Suppressions" />
        <AlertTabs current="suppressions" />
        <p class="state">Managing suppressions needs the admin role.</p>
      </>
    );
  }

  const { draft, set, errors, message, busy, described, act, startEdit, stopEdit, submit: create } = form;
  const remove = async (s: SuppressionItem): Promise<void> => {
    if (!window.confirm(`Delete the suppression “${s.reason}”? Breaches it covers are notified again.`)) return;
    if (draft.id === s.id) stopEdit();
    await act(() => api.delete(`/api/alerts/suppressions/${s.id}`));
  };

  return (
    <>
      <PageHeader title="Suppressions" />
      <AlertTabs current="suppressions" />
      <section class="card detail" aria-labelledby="sup-form-h">
        <h2 id="sup-form-h">{draft.id === null ? 'New suppression' : `Edit “${draft.reason}”`}</h2>
        <form noValidate onSubmit={(e) => void create(e)}>
          <fieldset class="choice">
            <legend>What it covers</legend>
            <label class="radio">
              <input
                type="radio"
                name="scope"
                checked={draft.scope === 'some'}
                onChange={() => set({ scope: 'some' })}
              />
              A rule, a domain or a subject (all that are given must match)
            </label>
            <label class="radio">
              <input type="radio" name="scope" checked={draft.scope === 'all'} onChange={() => set({ scope: 'all' })} />
              Everything of the organisation
            </label>
          </fieldset>
          {draft.scope === 'some' ? (
            <div class="grid-form">
              <label>
                Rule
                <select
                  value={draft.ruleId}
                  onChange={(e) => set({ ruleId: e.currentTarget.value })}
                  {...described('ruleId')}
                >
                  <option value="">Any rule</option>
                  {(rules.data?.items ?? []).map((r) => (
                    <option key={r.id} value={String(r.id)}>
                      {r.name}
                    </option>
                  ))}
                </select>
                <FieldError id="err-ruleId" message={errors.ruleId} />
              </label>
              <label>
                Domain
                <input
                  value={draft.domain}
                  placeholder="example.com"
                  onInput={(e) => set({ domain: e.currentTarget.value })}
                  {...described('domain')}
                />
                <FieldError id="err-domain" message={errors.domain} />
              </label>
              <label>
                Subject
                <input
                  value={draft.subject}
                  placeholder="192.0.2.0/24, a reporter, a mailbox"
                  onInput={(e) => set({ subject: e.currentTarget.value })}
                  {...described('subject')}
                />
                <FieldError id="err-subject" message={errors.subject} />
              </label>
            </div>
          ) : null}
          <FieldError id="err-all" message={errors.all} />
          <fieldset class="choice">
            <legend>When</legend>
            <label class="radio">
              <input
                type="radio"
                name="when"
                checked={draft.when === 'window'}
                onChange={() => set({ when: 'window' })}
              />
              Once, from a start to an end (UTC)
            </label>
            <label class="radio">
              <input
                type="radio"
                name="when"
                checked={draft.when === 'recurring'}
                onChange={() => set({ when: 'recurring' })}
              />
              Recurring (cron), for a duration
            </label>
          </fieldset>
          {draft.when === 'window' ? (
            <div class="grid-form">
              <label>
                Starts (UTC)
                <input
                  type="datetime-local"
                  value={draft.startsAt}
                  onInput={(e) => set({ startsAt: e.currentTarget.value })}
                  {...described('startsAt')}
                />
                <FieldError id="err-startsAt" message={errors.startsAt} />
              </label>
              <label>
                Ends (UTC)
                <input
                  type="datetime-local"
                  value={draft.endsAt}
                  onInput={(e) => set({ endsAt: e.currentTarget.value })}
                  {...described('endsAt')}
                />
                <FieldError id="err-endsAt" message={errors.endsAt} />
              </label>
            </div>
          ) : (
            <div class="grid-form">
              <label>
                Cron expression
                <input
                  class="mono"
                  value={draft.cron}
                  onInput={(e) => set({ cron: e.currentTarget.value })}
                  {...described('cron')}
                />
                <span class="field-hint muted">minute hour day month weekday, e.g. 0 2 * * 6 = Saturdays 02:00</span>
                <FieldError id="err-cron" message={errors.cron} />
              </label>
              <label>
                Time zone
                <input
                  value={draft.timezone}
                  placeholder="Europe/Berlin"
                  onInput={(e) => set({ timezone: e.currentTarget.value })}
                  {...described('timezone')}
                />
                <FieldError id="err-timezone" message={errors.timezone} />
              </label>
              <label>
                Duration (minutes)
                <input
                  inputMode="numeric"
                  value={draft.durationMinutes}
                  onInput={(e) => set({ durationMinutes: e.currentTarget.value })}
                  {...described('durationMinutes')}
                />
                <FieldError id="err-durationMinutes" message={errors.durationMinutes} />
              </label>
            </div>
          )}
          <div class="grid-form">
            <label>
              Reason
              <input
                value={draft.reason}
                maxLength={1000}
                placeholder="DNS migration"
                onInput={(e) => set({ reason: e.currentTarget.value })}
                {...described('reason')}
              />
              <FieldError id="err-reason" message={errors.reason} />
            </label>
            <div class="row-actions">
              <button type="submit" disabled={busy}>
                {draft.id === null ? 'Create suppression' : 'Save suppression'}
              </button>
              {draft.id !== null ? (
                <button type="button" class="secondary" onClick={stopEdit}>
                  Cancel
                </button>
              ) : null}
            </div>
          </div>
          <ActionError message={message} />
        </form>
      </section>
      <section class="card detail" aria-labelledby="sups-h">
        <h2 id="sups-h">Suppressions</h2>
        {list.state === 'error' ? <ErrorBox error={list.error} retry={list.reload} /> : null}
        {!list.data ? (
          list.state === 'loading' ? (
            <Loading what="Loading suppressions" />
          ) : null
        ) : list.data.items.length === 0 ? (
          <Empty title="No suppressions">
            <p>Every breach is notified on its rule’s channels.</p>
          </Empty>
        ) : (
          <div class="table-wrap">
            <table class="data">
              <thead>
                <tr>
                  <th scope="col">Covers</th>
                  <th scope="col">When</th>
                  <th scope="col">Now</th>
                  <th scope="col">Next window</th>
                  <th scope="col">Reason</th>
                  <th scope="col">By</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {list.data.items.map((s) => (
                  <tr key={s.id}>
                    <td>{whatOf(s, ruleNames)}</td>
                    <td>{whenOf(s)}</td>
                    <td>{s.activeNow ? <Badge tone="warn">active</Badge> : <Badge tone="neutral">inactive</Badge>}</td>
                    <td class="nowrap">{s.nextWindow ? formatDateTime(s.nextWindow.start) : '—'}</td>
                    <td>{s.reason}</td>
                    <td>{s.createdBy}</td>
                    <td>
                      <div class="row-actions">
                        <button type="button" class="secondary" onClick={() => startEdit(s)}>
                          Edit
                        </button>
                        <button type="button" class="danger" onClick={() => void remove(s)}>
                          Delete
                        </button>
                      </div>
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
