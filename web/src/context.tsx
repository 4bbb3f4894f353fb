// What every page needs: the API client, the session and the signed-in user; and a data-loading hook with
// loading / error states that aborts a stale request when its inputs change.
import { createContext } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import type { Api } from './lib/api';
import type { OrgChoice } from './lib/routes';
import type { Session, User } from './lib/session';

export interface AppContext {
  /** The API client of the page's organisation. */
  api: Api;
  session: Session;
  /** The signed-in user, with their role in the page's organisation. */
  user: User;
  /** The page's organisation (null only for a platform administrator when no organisation exists). */
  org: OrgChoice | null;
  /** Every organisation the user can enter. */
  orgs: OrgChoice[];
  /** The user can enter several organisations: the app then shows them (switcher, /o/<slug>/ URLs, names). */
  multi: boolean;
  /**
   * Reloads the organisations (after one was created, renamed or deleted); `then` (a navigation) runs with the
   * new list, before anything renders.
   */
  refreshOrgs: (then?: () => void) => Promise<void>;
}

export const Ctx = createContext<AppContext | null>(null);

export function useApp(): AppContext {
  const c = useContext(Ctx);
  if (!c) throw new Error('useApp outside the app');
  return c;
}

export type Loaded<T> =
  { state: 'loading'; data?: T } | { state: 'error'; error: unknown; data?: T } | { state: 'done'; data: T };

/**
 * Runs `load` when `key` changes (a string of everything the request depends on); keeps the previous data
 * while the next loads, so that pages do not flash. `reload()` runs it again.
 */
export function useLoad<T>(
  key: string | null,
  load: (signal: AbortSignal) => Promise<T>,
): Loaded<T> & { reload: () => void } {
  const [result, setResult] = useState<Loaded<T>>({ state: 'loading' });
  const [tick, setTick] = useState(0);
  const loader = useRef(load);
  loader.current = load;
  useEffect(() => {
    if (key === null) return;
    const ctl = new AbortController();
    setResult((r) => ({ state: 'loading', data: r.data }));
    loader.current(ctl.signal).then(
      (data) => {
        if (!ctl.signal.aborted) setResult({ state: 'done', data });
      },
      (error: unknown) => {
        if (!ctl.signal.aborted) setResult((r) => ({ state: 'error', error, data: r.data }));
      },
    );
    return () => ctl.abort();
  }, [key, tick]);
  return { ...result, reload: () => setTick((t) => t + 1) };
}
