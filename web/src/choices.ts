// Domains and reporters for the filter menus, the span of the data ("all time", empty states) and how many
// reports have no readable period (the "No period" filter). Loaded
// once per organisation and shared by every page; reloaded after an upload.
import { useEffect, useState } from 'preact/hooks';
import type { Api } from './lib/api';
import type { DateSpan } from './lib/filters';
import type { DomainItem, Page, ReporterItem, Summary } from './lib/types';

export interface Choices {
  domains: string[];
  reporters: string[];
  /** First and last day with reports; null when there are none. */
  extent: DateSpan | null;
  /** Reports stored at all (any date). */
  reports: number;
  /** Of them, reports without a readable period (in no date range; the "No period" filter finds them). */
  undated: number;
}

/** Per organisation of the client (its slug; '' for the default one). */
const cached = new Map<string, Promise<Choices>>();
const listeners = new Set<() => void>();

async function fetchChoices(api: Api): Promise<Choices> {
  const [d, r, u] = await Promise.all([
    api.get<Page<DomainItem>>('/api/domains', { limit: 1000, sort: 'domain' }),
    api.get<Page<ReporterItem>>('/api/rollup/reporters', { limit: 1000, sort: 'orgName' }),
    api.get<Summary>('/api/rollup/summary', { period: 'none' }),
  ]);
  let first: string | null = null;
  let last: string | null = null;
  for (const x of d.items) {
    if (x.firstDate && (!first || x.firstDate < first)) first = x.firstDate;
    if (x.lastDate && (!last || x.lastDate > last)) last = x.lastDate;
  }
  return {
    domains: d.items.map((x) => x.domain),
    reporters: r.items.map((x) => x.orgName),
    extent: first && last ? { from: first, to: last } : null,
    reports: d.items.reduce((n, x) => n + x.reports, 0),
    undated: u.reports,
  };
}

export function invalidateChoices(): void {
  cached.clear();
  for (const fn of listeners) fn();
}

/** api null: there is no organisation to ask (nothing is loaded). */
export function useChoices(api: Api | null): { choices: Choices | null; error: unknown } {
  const [state, setState] = useState<{ choices: Choices | null; error: unknown }>({ choices: null, error: null });
  const [version, setVersion] = useState(0);
  useEffect(() => {
    const fn = (): void => setVersion((v) => v + 1);
    listeners.add(fn);
    return () => {
      listeners.delete(fn);
    };
  }, []);
  useEffect(() => {
    if (!api) return;
    let live = true;
    const key = api.org ?? '';
    const p = cached.get(key) ?? fetchChoices(api);
    cached.set(key, p);
    p.then(
      (choices) => live && setState({ choices, error: null }),
      (error: unknown) => {
        if (cached.get(key) === p) cached.delete(key);
        if (live) setState({ choices: null, error });
      },
    );
    return () => {
      live = false;
    };
  }, [api, version]);
  return state;
}
