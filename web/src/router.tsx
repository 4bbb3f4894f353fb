// A small history-API router: the current location as state, navigate() to push or replace, links that
// stay in the app (modified clicks still open new tabs), and the back button just works (popstate).
//
// Organisations: under /o/<slug>/..., pages see the path after the prefix (Location.pathname) and the slug
// (Location.org); the app paths they link to or navigate to get the current prefix back (inApp), so that every
// page stays in its organisation without knowing of it. `absolute` links and navigations are taken as written.
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { splitOrg, withOrg } from './lib/routes';

export interface Location {
  /** The path of the page, without an /o/<slug> prefix. */
  pathname: string;
  search: string;
  /** The organisation named by the URL's /o/<slug> prefix, or null. */
  org: string | null;
}

const listeners = new Set<() => void>();

function current(): Location {
  const { org, path } = splitOrg(window.location.pathname);
  return { pathname: path, search: window.location.search, org };
}

/** An app path in the organisation of the current URL (unchanged on a plain URL). */
export function inApp(href: string): string {
  return withOrg(splitOrg(window.location.pathname).org, href);
}

export function navigate(to: string, options: { replace?: boolean; absolute?: boolean } = {}): void {
  const target = new URL(options.absolute ? to : inApp(to), window.location.href);
  const here = window.location.pathname + window.location.search;
  const there = target.pathname + target.search;
  if (there === here) return;
  if (options.replace) window.history.replaceState(null, '', there);
  else window.history.pushState(null, '', there);
  for (const fn of listeners) fn();
}

export function useLocation(): Location {
  const [loc, setLoc] = useState<Location>(current);
  useEffect(() => {
    const update = (): void => setLoc(current());
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return loc;
}

interface AnchorProps {
  href: string;
  /** Take href as written (a path in another organisation, or outside the prefix). */
  absolute?: boolean;
  class?: string;
  title?: string;
  'aria-current'?: 'page' | undefined;
  onClick?: (e: MouseEvent) => void;
  children?: ComponentChildren;
}

export function Link({ href, absolute, onClick, children, ...rest }: AnchorProps): JSX.Element {
  const to = absolute ? href : inApp(href);
  return (
    <a
      href={to}
      {...rest}
      onClick={(e) => {
        onClick?.(e);
        if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(to, { absolute: true });
      }}
    >
      {children}
    </a>
  );
}
