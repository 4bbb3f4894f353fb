// The filters of the SMTP TLS and failure report lists, as their API routes take them (domain, first and last
// day, and the fields of each kind), kept in the URL: applying them starts the list over at its first page.
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { isCalendarDate, withParams } from '../lib/filters';
import { Link, navigate, useLocation } from '../router';

export interface FilterField {
  /** The URL and API parameter. */
  key: string;
  label: string;
  placeholder?: string;
  /** A choice of values ('' = any) instead of free text. */
  options?: { value: string; label: string }[];
  /** Suggestions for free text (a datalist). */
  suggestions?: string[];
}

/** The values of `keys` in the URL (from/to only when they are calendar days). */
export function readFilterParams(search: string, keys: readonly string[]): Record<string, string> {
  const q = new URLSearchParams(search);
  const out: Record<string, string> = {};
  for (const k of keys) {
    const v = q.get(k)?.trim();
    if (!v) continue;
    if ((k === 'from' || k === 'to') && !isCalendarDate(v)) continue;
    out[k] = v.slice(0, 253);
  }
  return out;
}

export function ReportFilters({
  id,
  fields,
  dayLabel,
}: {
  /** Prefix of the inputs' ids. */
  id: string;
  fields: FilterField[];
  /** What the first and last day are days of ("report period start", "arrival"). */
  dayLabel: string;
}): JSX.Element {
  const loc = useLocation();
  const keys = [...fields.map((f) => f.key), 'from', 'to'];
  const current = readFilterParams(loc.search, keys);
  const [draft, setDraft] = useState<Record<string, string>>(current);
  const currentKey = JSON.stringify(current);
  // the URL changed (a link, the back button): the form shows it
  useEffect(() => setDraft(current), [currentKey]);
  const set = (k: string, v: string): void => setDraft((d) => ({ ...d, [k]: v }));
  const apply = (values: Record<string, string>): void => {
    const next: Record<string, string | null> = { cursor: null, page: null };
    for (const k of keys) next[k] = values[k]?.trim() || null;
    navigate(`${loc.pathname}${withParams(loc.search, next)}`);
  };
  const active = Object.keys(current).length > 0;
  return (
    <form
      class="alert-filters report-filters"
      aria-label="Filters"
      onSubmit={(e) => {
        e.preventDefault();
        apply(draft);
      }}
    >
      {fields.map((f) => (
        <div class="filter" key={f.key}>
          <label for={`${id}-${f.key}`}>{f.label}</label>
          {f.options ? (
            <select
              id={`${id}-${f.key}`}
              value={draft[f.key] ?? ''}
              onChange={(e) => {
                const v = e.currentTarget.value;
                set(f.key, v);
                apply({ ...draft, [f.key]: v });
              }}
            >
              <option value="">Any</option>
              {f.options.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
          ) : (
            <>
              <input
                id={`${id}-${f.key}`}
                type="search"
                placeholder={f.placeholder}
                list={f.suggestions?.length ? `${id}-${f.key}-list` : undefined}
                value={draft[f.key] ?? ''}
                onInput={(e) => set(f.key, e.currentTarget.value)}
              />
              {f.suggestions?.length ? (
                <datalist id={`${id}-${f.key}-list`}>
                  {f.suggestions.map((s) => (
                    <option key={s} value={s} />
                  ))}
                </datalist>
              ) : null}
            </>
          )}
        </div>
      ))}
      <div class="filter">
        <label for={`${id}-from`}>First day ({dayLabel})</label>
        <input
          id={`${id}-from`}
          type="date"
          value={draft.from ?? ''}
          onInput={(e) => set('from', e.currentTarget.value)}
        />
      </div>
      <div class="filter">
        <label for={`${id}-to`}>Last day</label>
        <input id={`${id}-to`} type="date" value={draft.to ?? ''} onInput={(e) => set('to', e.currentTarget.value)} />
      </div>
      <div class="filter filter-actions">
        <button type="submit">Apply</button>
        {active ? (
          <Link
            href={`${loc.pathname}${withParams(loc.search, Object.fromEntries([...keys, 'cursor', 'page'].map((k) => [k, null])))}`}
          >
            Clear filters
          </Link>
        ) : null}
      </div>
    </form>
  );
}
