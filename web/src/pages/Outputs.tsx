// SIEM outputs (admins): where every stored report's records are forwarded as JSON events — Splunk HEC,
// Elasticsearch/OpenSearch, syslog, a signed webhook — with each output's state (ok, backing off after a failed
// request, new, disabled), its backlog of reports not yet sent, what was sent and refused, and the latest error.
// Settings are shown masked as the API answers them; editing never shows a stored secret (empty keeps it).
import type { JSX } from 'preact';
import { useApp, useLoad } from '../context';
import { useEditForm, useRowNotes } from '../components/use-edit-form';
import { SettingsTabs } from '../components/SettingsTabs';
import { ActionError, Badge, Empty, ErrorBox, FieldError, Loading, PageHeader } from '../components/ui';
import { formatDateTime, formatNumber } from '../lib/format';
import {
  EMPTY_OUTPUT,
  OUTPUT_FIELDS,
  OUTPUT_TYPES,
  outputBody,
  outputDraftOf,
  outputSettingsText,
  type OutputDraft,
  type OutputTypeName,
} from '../lib/output-form';
import { hasRole } from '../lib/session';
import type { OutputItem, OutputTest } from '../lib/types';

const STATE_BADGE: Record<OutputItem['state'], { tone: 'pass' | 'fail' | 'warn' | 'neutral'; text: string }> = {
  ok: { tone: 'pass', text: 'ok' },
  'backing-off': { tone: 'fail', text: 'backing off' },
  new: { tone: 'neutral', text: 'nothing sent yet' },
  disabled: { tone: 'neutral', text: 'disabled' },
};

export function Outputs(): JSX.Element {
  const { api, user } = useApp();
  const admin = hasRole(user, 'admin');
  const list = useLoad(admin ? 'outputs' : null, async (signal) => {
    return (await api.get<{ items: OutputItem[] }>('/api/outputs', undefined, signal)).items;
  });
  const tests = useRowNotes();
  const form = useEditForm<OutputItem, OutputDraft>({
    empty: () => EMPTY_OUTPUT,
    draftOf: outputDraftOf,
    bodyOf: (d, editing) => outputBody(d, editing ?? undefined),
    send: (body, editing) => (editing ? api.patch(`/api/outputs/${editing.id}`, body) : api.post('/api/outputs', body)),
    reload: list.reload,
    // a test outcome was about the settings before the change
    saved: (o) => {
      if (o) tests.forget(o.id);
    },
  });

  if (!admin) {
    return (
      <>
        <PageHeader title="SIEM outputs" />
        <SettingsTabs current="outputs" />
        <p class="state">Managing outputs needs the admin role.</p>
      </>
    );
  }
  const { draft, setDraft, editing, errors, message, busy, described, act, startEdit, stopEdit, submit: save } = form;
  const setValue = (key: string, value: string): void =>
    setDraft({ ...draft, values: { ...draft.values, [key]: value } });
  const test = (o: OutputItem): Promise<void> =>
    tests.run(o.id, async () => {
      const r = await api.post<OutputTest>(`/api/outputs/${o.id}/test`, {});
      return r.delivered ? 'taken' : `not taken: ${r.error ?? 'unknown error'}`;
    });

  const fields = OUTPUT_FIELDS[draft.type];
  return (
    <>
      <PageHeader title="SIEM outputs" />
      <SettingsTabs current="outputs" />
      <ActionError message={message} />
      {list.state === 'error' ? <ErrorBox error={list.error} retry={list.reload} /> : null}
      {list.data === undefined ? (
        list.state === 'loading' ? (
          <Loading what="Loading outputs" />
        ) : null
      ) : (
        <>
          <section class="card detail" aria-labelledby="out-form-h">
            <h2 id="out-form-h">{editing ? `Edit “${editing.name}”` : 'New output'}</h2>
            <form class="grid-form" noValidate onSubmit={(e) => void save(e)}>
              <label>
                Name
                <input
                  value={draft.name}
                  maxLength={200}
                  onInput={(e) => setDraft({ ...draft, name: e.currentTarget.value })}
                  {...described('name')}
                />
                <FieldError id="err-name" message={errors.name} />
              </label>
              <label>
                Type
                <select
                  id="output-type"
                  value={draft.type}
                  disabled={editing !== null}
                  onChange={(e) =>
                    setDraft({ ...draft, type: e.currentTarget.value as OutputTypeName, values: { protocol: 'udp' } })
                  }
                >
                  {OUTPUT_TYPES.map((t) => (
                    <option key={t.value} value={t.value}>
                      {t.label}
                    </option>
                  ))}
                </select>
              </label>
              {fields.map((f) => {
                const id = `config.${f.key}`;
                const value = draft.values[f.key] ?? '';
                const unchanged = editing !== null && (f.kind === 'secret' || f.kind === 'headers' || f.kind === 'pem');
                const shown = editing?.config[f.key];
                const placeholder = unchanged
                  ? `unchanged${typeof shown === 'string' ? `: ${shown}` : ''}`
                  : f.placeholder;
                if (f.kind === 'checkbox') {
                  return (
                    <label key={f.key} class="radio">
                      <input
                        type="checkbox"
                        checked={value === 'true'}
                        onChange={(e) => setValue(f.key, e.currentTarget.checked ? 'true' : '')}
                        {...described(id)}
                      />{' '}
                      {f.label}
                      {f.hint ? <span class="muted"> ({f.hint})</span> : null}
                      <FieldError id={`err-${id}`} message={errors[id]} />
                    </label>
                  );
                }
                return (
                  <label key={f.key}>
                    {f.label}
                    {f.kind === 'select' ? (
                      <select value={value} onChange={(e) => setValue(f.key, e.currentTarget.value)} {...described(id)}>
                        {(f.options ?? []).map((o) => (
                          <option key={o} value={o}>
                            {o.toUpperCase()}
                          </option>
                        ))}
                      </select>
                    ) : f.kind === 'pem' ? (
                      <textarea
                        rows={3}
                        class="mono"
                        value={value}
                        placeholder={unchanged ? placeholder : '-----BEGIN CERTIFICATE-----'}
                        onInput={(e) => setValue(f.key, e.currentTarget.value)}
                        {...described(id)}
                      />
                    ) : f.kind === 'headers' ? (
                      <textarea
                        rows={3}
                        value={value}
                        placeholder={unchanged ? placeholder : 'Authorization: Bearer …'}
                        onInput={(e) => setValue(f.key, e.currentTarget.value)}
                        {...described(id)}
                      />
                    ) : f.kind === 'secret' && f.key !== 'url' ? (
                      <input
                        type="password"
                        autoComplete="off"
                        value={value}
                        placeholder={placeholder}
                        onInput={(e) => setValue(f.key, e.currentTarget.value)}
                        {...described(id)}
                      />
                    ) : f.kind === 'number' ? (
                      <input
                        type="number"
                        min={f.min}
                        max={f.max}
                        value={value}
                        placeholder={placeholder}
                        onInput={(e) => setValue(f.key, e.currentTarget.value)}
                        {...described(id)}
                      />
                    ) : (
                      <input
                        type="text"
                        inputMode={f.kind === 'url' || f.key === 'url' ? 'url' : 'text'}
                        autoComplete="off"
                        value={value}
                        placeholder={placeholder}
                        onInput={(e) => setValue(f.key, e.currentTarget.value)}
                        {...described(id)}
                      />
                    )}
                    {f.hint && f.kind !== 'headers' ? <span class="muted">{f.hint}</span> : null}
                    <FieldError id={`err-${id}`} message={errors[id]} />
                  </label>
                );
              })}
              <div class="row-actions">
                <button type="submit" disabled={busy}>
                  {editing ? 'Save output' : 'Add output'}
                </button>
                {editing ? (
                  <button type="button" class="secondary" onClick={stopEdit}>
                    Cancel
                  </button>
                ) : null}
              </div>
            </form>
            <p class="hint">
              Every report stored from now on is sent, one event per record (fields named as parsedmarc’s JSON output).
              A target that is down is retried with backoff; nothing is lost or sent in a flood when it returns. Tokens,
              passwords and webhook addresses are kept on the server and shown masked.
            </p>
          </section>
          <section class="card detail" aria-labelledby="outs-h">
            <h2 id="outs-h">Outputs</h2>
            {list.data.length === 0 ? (
              <Empty title="No outputs yet">
                <p>Add one above to forward this organisation’s reports to a SIEM or a webhook.</p>
              </Empty>
            ) : (
              <div class="table-wrap">
                <table class="data" data-testid="outputs-table">
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Type</th>
                      <th scope="col">Settings</th>
                      <th scope="col">State</th>
                      <th scope="col" class="num">
                        Backlog
                      </th>
                      <th scope="col" class="num">
                        Sent
                      </th>
                      <th scope="col" class="num">
                        Refused
                      </th>
                      <th scope="col">Last success</th>
                      <th scope="col">Latest error</th>
                      <th scope="col">Actions</th>
                    </tr>
                  </thead>
                  <tbody>
                    {list.data.map((o) => {
                      const badge = STATE_BADGE[o.state];
                      return (
                        <tr key={o.id}>
                          <td>{o.name}</td>
                          <td>{OUTPUT_TYPES.find((t) => t.value === o.type)?.label ?? o.type}</td>
                          <td class="mono params-cell">{outputSettingsText(o.config)}</td>
                          <td>
                            <Badge tone={badge.tone}>{badge.text}</Badge>
                            {o.state === 'backing-off' && o.retryAt ? (
                              <div class="muted">retried {formatDateTime(o.retryAt)}</div>
                            ) : null}
                          </td>
                          <td class="num">{formatNumber(o.backlog)}</td>
                          <td class="num">{formatNumber(o.sent)}</td>
                          <td class="num">{formatNumber(o.rejected)}</td>
                          <td>{o.lastSuccessAt ? formatDateTime(o.lastSuccessAt) : '—'}</td>
                          <td class="params-cell">
                            {o.lastError ? (
                              <>
                                {o.lastError}
                                {o.lastErrorAt ? <div class="muted">{formatDateTime(o.lastErrorAt)}</div> : null}
                              </>
                            ) : (
                              '—'
                            )}
                          </td>
                          <td>
                            <div class="row-actions">
                              <button type="button" class="secondary" onClick={() => void test(o)}>
                                Send test
                              </button>
                              <button
                                type="button"
                                class="secondary"
                                aria-label={`Edit ${o.name}`}
                                onClick={() => startEdit(o)}
                              >
                                Edit
                              </button>
                              <button
                                type="button"
                                class="secondary"
                                onClick={() =>
                                  void act(() => api.patch(`/api/outputs/${o.id}`, { enabled: !o.enabled }))
                                }
                              >
                                {o.enabled ? 'Disable' : 'Enable'}
                              </button>
                              <button
                                type="button"
                                class="danger"
                                onClick={() => {
                                  if (window.confirm(`Delete the output “${o.name}” and its backlog?`)) {
                                    if (editing?.id === o.id) stopEdit();
                                    void act(() => api.delete(`/api/outputs/${o.id}`));
                                  }
                                }}
                              >
                                Delete
                              </button>
                            </div>
                            {tests.notes[o.id] ? (
                              <p class="muted" role="status" data-testid={`test-${o.id}`}>
                                Test: {tests.notes[o.id]}
                              </p>
                            ) : null}
                          </td>
                        </tr>
                      );
                    })}
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
