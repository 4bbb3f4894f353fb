// A small history-API router: the current location as state, navigate() to push or replace, links that
// stay in the app (modified clicks still open new tabs), and the back button just works (popstate).
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';

export interface Location {
  pathname: string;
  search: string;
}

const listeners = new Set<() => void>();

function current(): Location {
  return { pathname: window.location.pathname, search: window.location.search };
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  const target = new URL(to, window.location.href);
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
  class?: string;
  title?: string;
  'aria-current'?: 'page' | undefined;
  onClick?: (e: MouseEvent) => void;
  children?: ComponentChildren;
}

export function Link({ href, onClick, children, ...rest }: AnchorProps): JSX.Element {
  return (
    <a
      href={href}
      {...rest}
      onClick={(e) => {
        onClick?.(e);
        if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(href);
      }}
    >
      {children}
    </a>
  );
}
