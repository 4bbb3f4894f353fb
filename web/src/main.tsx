// Entry point: the session (silent refresh through the cookie first), the API client and the app.
import { render } from 'preact';
import { App } from './App';
import { Api } from './lib/api';
import { Session } from './lib/session';
import './styles.css';

const HINT = 'dmarc:has-session';
const channel = 'BroadcastChannel' in window ? new BroadcastChannel('dmarc-session') : null;

const session = new Session({
  fetch: (input, init) => window.fetch(input, init),
  setTimer: (fn, ms) => window.setTimeout(fn, ms),
  clearTimer: (h) => window.clearTimeout(h as number),
  now: () => Date.now(),
  withLock: navigator.locks
    ? <T,>(fn: () => Promise<T>): Promise<T> => navigator.locks.request('dmarc-refresh', fn) as Promise<T>
    : undefined,
  broadcast: (m) => channel?.postMessage(m),
  hint: {
    get: () => {
      try {
        return localStorage.getItem(HINT) === '1';
      } catch {
        return true;
      }
    },
    set: (on) => {
      try {
        if (on) localStorage.setItem(HINT, '1');
        else localStorage.removeItem(HINT);
      } catch {
        // private mode: always try the refresh
      }
    },
  },
});
channel?.addEventListener('message', (e: MessageEvent) => {
  if (e.data === 'logout') session.remoteLogout();
});

const api = new Api(session);
const root = document.getElementById('app')!;
root.textContent = '';
render(<App session={session} api={api} />, root);
void session.start();
