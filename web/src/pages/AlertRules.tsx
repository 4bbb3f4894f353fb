// Alert rules: the list (everyone reads), and for admins a form — the rule type's parameters as fields with
// their defaults and limits (from GET /api/alerts/rules/types), checked in the browser as the server checks them,
// the server's field errors shown at their fields — with a preview of what the rule would fire on today's data
// before it is saved; enable/disable, edit and delete in the list.
import type { JSX } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { useApp, useLoad } from '../context';
import { ActionError, Badge, Empty, ErrorBox, FieldError, Loading, PageHeader } from '../components/ui';
import { formatDateTime, plural } from '../lib/format';
import { ApiError, describeError } from '../lib/problem';
import { hasRole } from '../lib/session';
import type { RuleItem, RulePreview, RuleTypeItem } from '../lib/types';
import { Link } from '../router';
import { AlertTabs, alertsChanged, severityTone } from './Alerts';
import { useChannels } from './Channels';

const SEVERITIES = ['info', 'warning', 'critical'] as const;
type Severity = (typeof SEVERITIES)[number];

interface ParamSchema {
  type?: string;
  anyOf?: ParamSchema[];
  minimum?: number;
  maximum?: number;
  default?: unknown;
  description?: string;
  items?: unknown;
}

interface Field {
  name: string;
  kind: 'number' | 'integer' | 'boolean' | 'text' | 'json';
  nullable: boolean;
  min?: number;
  max?: number;
  default: unknown;
}

/** The parameters of a rule type as form fields, from its JSON Schema. */
export function paramFields(t: RuleTypeItem): Field[] {
  const props = (t.paramsSchema as { properties?: Record<string, ParamSchema> }).properties ?? {};
  return Object.entries(props).map(([name, raw]) => {
    const variants = raw.anyOf ?? [raw];
    const main = variants.find((v) => v.type !== 'null') ?? raw;
    const nullable = variants.some((v) => v.type === 'null');
    const kind: Field['kind'] =
      main.type === 'integer'
        ? 'integer'
        : main.type === 'number'
          ? 'number'
          : main.type === 'boolean'
            ? 'boolean'
            : main.type === 'string'
              ? 'text'
              : 'json';
    // a bound of 2^53 is the schema's way of saying there is none
    const max = main.maximum !== undefined && main.maximum < 1e12 ? main.maximum : undefined;
    return { name, kind, nullable, min: main.minimum, max, default: t.defaults[name] ?? raw.default };
  });
}

const asText = (v: unknown): string =>
  v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);

/** The form's text of a parameter as its value; an error message when it is not one. */
export function parseParam(f: Field, text: string): { value?: unknown; error?: string } {
  const t = text.trim();
  if (f.kind === 'boolean') return { value: t === 'true' };
  if (t === '') return f.nullable ? { value: null } : { error: 'is required' };
  if (f.kind === 'text') return { value: t };
  if (f.kind === 'json') {
    try {
      return { value: JSON.parse(t) as unknown };
    } catch {
      return { error: 'must be JSON' };
    }
  }
  const n = Number(t);
  if (!Number.isFinite(n)) return { error: 'must be a number' };
  if (f.kind === 'integer' && !Number.isInteger(n)) return { error: 'must be a whole number' };
  if (f.min !== undefined && n < f.min) return { error: `must be at least ${f.min}` };
  if (f.max !== undefined && n > f.max) return { error: `must be at most ${f.max}` };
  return { value: n };
}

interface Draft {
  id: number | null;
  name: string;
  type: string;
  domain: string;
  severity: Severity;
  enabled: boolean;
  params: Record<string, string>;
  resolveAfterMinutes: string;
  cooldownMinutes: string;
  notifyOnResolve: boolean;
  channels: number[];
}

function draftFor(t: RuleTypeItem, rule?: RuleItem): Draft {
  const params: Record<string, string> = {};
  for (const f of paramFields(t)) params[f.name] = asText(rule ? (rule.params[f.name] ?? f.default) : f.default);
  return {
    id: rule?.id ?? null,
    name: rule?.name ?? '',
    type: t.name,
    domain: rule?.domain ?? '',
    severity: rule?.severity ?? 'warning',
    enabled: rule?.enabled ?? true,
    params,
    resolveAfterMinutes: String(rule?.resolveAfterMinutes ?? 60),
    cooldownMinutes: String(rule?.cooldownMinutes ?? 60),
    notifyOnResolve: rule?.notifyOnResolve ?? false,
    channels: rule?.channels ?? [],
  };
}

/** The request body of a draft, or the field errors that stop it. */
function bodyOf(
  d: Draft,
  t: RuleTypeItem,
  withChannels: boolean,
): { body?: Record<string, unknown>; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const params: Record<string, unknown> = {};
  for (const f of paramFields(t)) {
    const r = parseParam(f, d.params[f.name] ?? '');
    if (r.error) errors[`params.${f.name}`] = r.error;
    else params[f.name] = r.value;
  }
  if (!d.name.trim()) errors.name = 'is required';
  const minutes = (k: 'resolveAfterMinutes' | 'cooldownMinutes'): number | undefined => {
    const n = Number(d[k]);
    if (d[k].trim() === '' || !Number.isInteger(n) || n < 0) {
      errors[k] = 'must be a whole number of minutes, 0 or more';
      return undefined;
    }
    return n;
  };
  const body = {
    name: d.name.trim(),
    type: d.type,
    domain: t.scope === 'organisation' || d.domain.trim() === '' ? null : d.domain.trim(),
    severity: d.severity,
    enabled: d.enabled,
    params,
    resolveAfterMinutes: minutes('resolveAfterMinutes'),
    cooldownMinutes: minutes('cooldownMinutes'),
    notifyOnResolve: d.notifyOnResolve,
    // without the channel list (a server without channels) the rule's channels are left as they are
    ...(withChannels ? { channels: d.channels } : {}),
  };
  return Object.keys(errors).length ? { errors } : { body, errors };
}

/** The server's field errors by field, and what is left for the form's top. */
function serverErrors(err: unknown): { fields: Record<string, string>; message: string } {
  const fields: Record<string, string> = {};
  if (err instanceof ApiError) for (const e of err.problem.errors ?? []) fields[e.field] = e.message;
  return { fields, message: describeError(err) };
}

function RuleForm({
  types,
  rule,
  onSaved,
  onCancel,
}: {
  types: RuleTypeItem[];
  rule?: RuleItem;
  onSaved: () => void;
  onCancel?: () => void;
}): JSX.Element {
  const { api } = useApp();
  const initialType = types.find((t) => t.name === rule?.type) ?? types[0]!;
  const [draft, setDraft] = useState<Draft>(() => draftFor(initialType, rule));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [preview, setPreview] = useState<RulePreview | null>(null);
  const [busy, setBusy] = useState(false);
  const channels = useChannels(true);
  const type = types.find((t) => t.name === draft.type) ?? initialType;
  const fields = useMemo(() => paramFields(type), [type]);
  const set = (patch: Partial<Draft>): void => {
    setDraft({ ...draft, ...patch });
    setPreview(null);
  };
  const err = (k: string): string | undefined => errors[k];
  const described = (k: string) => (errors[k] ? { 'aria-invalid': true, 'aria-describedby': `err-${k}` } : {});

  const run = async (what: 'save' | 'preview'): Promise<void> => {
    setMessage(null);
    const { body, errors: local } = bodyOf(draft, type, channels.data !== undefined && channels.data !== null);
    setErrors(local);
    if (!body) return;
    setBusy(true);
    try {
      if (what === 'preview') {
        setPreview(
          await api.post<RulePreview>('/api/alerts/rules/preview', {
            type: body.type,
            domain: body.domain,
            params: body.params,
          }),
        );
      } else {
        if (draft.id === null) await api.post('/api/alerts/rules', body);
        else await api.patch(`/api/alerts/rules/${draft.id}`, body);
        onSaved();
        if (draft.id === null) setDraft(draftFor(type));
      }
    } catch (e) {
      const s = serverErrors(e);
      setErrors(s.fields);
      setMessage(s.message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      class="rule-form"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void run('save');
      }}
    >
      <div class="grid-form">
        <label>
          Name
          <input
            value={draft.name}
            maxLength={200}
            onInput={(e) => set({ name: e.currentTarget.value })}
            {...described('name')}
          />
          <FieldError id="err-name" message={err('name')} />
        </label>
        <label>
          Type
          <select
            value={draft.type}
            onChange={(e) => {
              const t = types.find((x) => x.name === e.currentTarget.value)!;
              setDraft({
                ...draftFor(t),
                id: draft.id,
                name: draft.name,
                severity: draft.severity,
                channels: draft.channels,
              });
              setPreview(null);
              setErrors({});
            }}
          >
            {types.map((t) => (
              <option key={t.name} value={t.name}>
                {t.title}
              </option>
            ))}
          </select>
          <FieldError id="err-type" message={err('type')} />
        </label>
        <label>
          Domain
          <input
            value={type.scope === 'organisation' ? '' : draft.domain}
            disabled={type.scope === 'organisation'}
            placeholder={type.scope === 'organisation' ? 'the organisation as a whole' : 'every domain'}
            onInput={(e) => set({ domain: e.currentTarget.value })}
            {...described('domain')}
          />
          <FieldError id="err-domain" message={err('domain')} />
        </label>
        <label>
          Severity
          <select value={draft.severity} onChange={(e) => set({ severity: e.currentTarget.value as Severity })}>
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </div>
      <p class="hint">{type.description}</p>
      <fieldset class="params">
        <legend>Parameters</legend>
        <div class="grid-form">
          {fields.map((f) => {
            const k = `params.${f.name}`;
            return (
              <label key={f.name}>
                {f.name}
                {f.kind === 'boolean' ? (
                  <select
                    value={draft.params[f.name]}
                    onChange={(e) => set({ params: { ...draft.params, [f.name]: e.currentTarget.value } })}
                  >
                    <option value="true">yes</option>
                    <option value="false">no</option>
                  </select>
                ) : (
                  <input
                    inputMode={f.kind === 'integer' || f.kind === 'number' ? 'decimal' : undefined}
                    value={draft.params[f.name]}
                    placeholder={f.nullable ? 'none' : asText(f.default)}
                    onInput={(e) => set({ params: { ...draft.params, [f.name]: e.currentTarget.value } })}
                    {...described(k)}
                  />
                )}
                <span class="field-hint muted">
                  default {asText(f.default) || 'none'}
                  {f.min !== undefined || f.max !== undefined ? `; ${f.min ?? '…'} to ${f.max ?? '…'}` : ''}
                </span>
                <FieldError id={`err-${k}`} message={err(k)} />
              </label>
            );
          })}
        </div>
        <FieldError id="err-params" message={err('params')} />
      </fieldset>
      <div class="grid-form">
        <label>
          Resolve after clear for (minutes)
          <input
            inputMode="numeric"
            value={draft.resolveAfterMinutes}
            onInput={(e) => set({ resolveAfterMinutes: e.currentTarget.value })}
            {...described('resolveAfterMinutes')}
          />
          <FieldError id="err-resolveAfterMinutes" message={err('resolveAfterMinutes')} />
        </label>
        <label>
          Cooldown before reopening (minutes)
          <input
            inputMode="numeric"
            value={draft.cooldownMinutes}
            onInput={(e) => set({ cooldownMinutes: e.currentTarget.value })}
            {...described('cooldownMinutes')}
          />
          <FieldError id="err-cooldownMinutes" message={err('cooldownMinutes')} />
        </label>
        <label class="radio">
          <input type="checkbox" checked={draft.enabled} onChange={(e) => set({ enabled: e.currentTarget.checked })} />
          Enabled
        </label>
        <label class="radio">
          <input
            type="checkbox"
            checked={draft.notifyOnResolve}
            onChange={(e) => set({ notifyOnResolve: e.currentTarget.checked })}
          />
          Notify when resolved
        </label>
      </div>
      {channels.data ? (
        <fieldset class="choice">
          <legend>Notify</legend>
          {channels.data.length === 0 ? (
            <span class="muted">
              No channels yet: <Link href="/alerting/channels">add one</Link>.
            </span>
          ) : (
            channels.data.map((c) => (
              <label class="radio" key={c.id}>
                <input
                  type="checkbox"
                  checked={draft.channels.includes(c.id)}
                  onChange={(e) =>
                    set({
                      channels: e.currentTarget.checked
                        ? [...draft.channels, c.id]
                        : draft.channels.filter((x) => x !== c.id),
                    })
                  }
                />
                {c.name}
              </label>
            ))
          )}
          <FieldError id="err-channels" message={err('channels')} />
        </fieldset>
      ) : null}
      <ActionError message={message} />
      <div class="row-actions">
        <button type="submit" disabled={busy}>
          {draft.id === null ? 'Create rule' : 'Save rule'}
        </button>
        <button type="button" class="secondary" disabled={busy} onClick={() => void run('preview')}>
          Preview on today’s data
        </button>
        {onCancel ? (
          <button type="button" class="secondary" onClick={onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
      {preview ? <PreviewTable preview={preview} /> : null}
    </form>
  );
}

function PreviewTable({ preview }: { preview: RulePreview }): JSX.Element {
  return (
    <section class="preview" aria-live="polite" aria-label="Preview">
      <h3>
        Preview:{' '}
        {preview.breaches.length === 0
          ? 'nothing would fire'
          : `${plural(preview.breaches.length, 'alert')} would fire`}{' '}
        <span class="muted">({formatDateTime(preview.evaluatedAt)}; nothing was stored)</span>
      </h3>
      {preview.breaches.length > 0 ? (
        <div class="table-wrap">
          <table class="data">
            <thead>
              <tr>
                <th scope="col">Domain</th>
                <th scope="col">Subject</th>
                <th scope="col">What</th>
                <th scope="col">Severity</th>
              </tr>
            </thead>
            <tbody>
              {preview.breaches.map((b, i) => (
                <tr key={i}>
                  <td>{b.domain ?? '—'}</td>
                  <td class="mono">{b.subject ?? '—'}</td>
                  <td>{b.summary}</td>
                  <td>{b.severity ? <Badge tone={severityTone(b.severity)}>{b.severity}</Badge> : 'the rule’s'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

const paramsText = (p: Record<string, unknown>): string =>
  Object.entries(p)
    .map(([k, v]) => `${k}=${asText(v) || 'none'}`)
    .join(', ');

export function AlertRules(): JSX.Element {
  const { api, user } = useApp();
  const admin = hasRole(user, 'admin');
  const types = useLoad('rule-types', (signal) =>
    api.get<{ items: RuleTypeItem[] }>('/api/alerts/rules/types', undefined, signal),
  );
  const rules = useLoad('rules', (signal) => api.get<{ items: RuleItem[] }>('/api/alerts/rules', undefined, signal));
  const [editing, setEditing] = useState<RuleItem | null>(null);
  const [error, setError] = useState<string | null>(null);
  const titles = new Map((types.data?.items ?? []).map((t) => [t.name, t.title]));

  const toggle = async (r: RuleItem): Promise<void> => {
    setError(null);
    try {
      await api.patch(`/api/alerts/rules/${r.id}`, { enabled: !r.enabled });
      rules.reload();
    } catch (e) {
      setError(describeError(e));
    }
  };
  const remove = async (r: RuleItem): Promise<void> => {
    if (!window.confirm(`Delete the rule “${r.name}”? Its open alerts are resolved.`)) return;
    setError(null);
    try {
      await api.delete(`/api/alerts/rules/${r.id}`);
      if (editing?.id === r.id) setEditing(null);
      alertsChanged();
      rules.reload();
    } catch (e) {
      setError(describeError(e));
    }
  };

  return (
    <>
      <PageHeader title="Alert rules" />
      <AlertTabs current="rules" />
      <ActionError message={error} />
      {admin && types.data && types.data.items.length > 0 ? (
        <section class="card detail" aria-labelledby="rule-form-h">
          <h2 id="rule-form-h">{editing ? `Edit “${editing.name}”` : 'New rule'}</h2>
          <RuleForm
            key={editing?.id ?? 'new'}
            types={types.data.items}
            rule={editing ?? undefined}
            onSaved={() => {
              setEditing(null);
              rules.reload();
            }}
            onCancel={editing ? () => setEditing(null) : undefined}
          />
        </section>
      ) : null}
      {types.state === 'error' ? <ErrorBox error={types.error} retry={types.reload} /> : null}
      <section class="card detail" aria-labelledby="rules-h">
        <h2 id="rules-h">Rules</h2>
        {rules.state === 'error' ? <ErrorBox error={rules.error} retry={rules.reload} /> : null}
        {!rules.data ? (
          rules.state === 'loading' ? (
            <Loading what="Loading rules" />
          ) : null
        ) : rules.data.items.length === 0 ? (
          <Empty title="No rules yet">
            <p>{admin ? 'Create one above: a failure rate rule is a good start.' : 'An admin creates them.'}</p>
          </Empty>
        ) : (
          <div class="table-wrap">
            <table class="data">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Type</th>
                  <th scope="col">Domain</th>
                  <th scope="col">Severity</th>
                  <th scope="col">Parameters</th>
                  <th scope="col">Status</th>
                  {admin ? <th scope="col">Actions</th> : null}
                </tr>
              </thead>
              <tbody>
                {rules.data.items.map((r) => (
                  <tr key={r.id}>
                    <td>{r.name}</td>
                    <td>{titles.get(r.type) ?? r.type}</td>
                    <td>{r.domain ?? 'every domain'}</td>
                    <td>
                      <Badge tone={severityTone(r.severity)}>{r.severity}</Badge>
                    </td>
                    <td class="mono params-cell">{paramsText(r.params)}</td>
                    <td>{r.enabled ? <Badge tone="pass">enabled</Badge> : <Badge tone="neutral">disabled</Badge>}</td>
                    {admin ? (
                      <td>
                        <div class="row-actions">
                          <button type="button" class="secondary" onClick={() => setEditing(r)}>
                            Edit
                          </button>
                          <button type="button" class="secondary" onClick={() => void toggle(r)}>
                            {r.enabled ? 'Disable' : 'Enable'}
                          </button>
                          <button type="button" class="danger" onClick={() => void remove(r)}>
                            Delete
                          </button>
                        </div>
                      </td>
                    ) : null}
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
