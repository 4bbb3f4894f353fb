// Sign-in. After it, the page the user wanted (or the overview) opens.
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { describeError } from '../lib/problem';
import type { Session } from '../lib/session';
import { safeNext } from '../lib/routes';
import { navigate, useLocation } from '../router';

export function Login({ session, reason }: { session: Session; reason?: 'expired' | 'logged-out' }): JSX.Element {
  const loc = useLocation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => first.current?.focus(), []);

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await session.login(email.trim(), password);
      navigate(safeNext(new URLSearchParams(loc.search).get('next')), { replace: true, absolute: true });
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    }
  };

  return (
    <main id="main" class="login">
      <form class="card login-card" onSubmit={(e) => void submit(e)} aria-labelledby="login-title">
        <h1 id="login-title">DMARC reports</h1>
        <p class="muted">Sign in to see who sends mail as your domains.</p>
        {reason === 'expired' ? (
          <p class="state warn" role="status">
            Your session has expired. Please sign in again.
          </p>
        ) : reason === 'logged-out' ? (
          <p class="state" role="status">
            You have signed out.
          </p>
        ) : null}
        {error ? (
          <p class="state error" role="alert" id="login-error">
            {error}
          </p>
        ) : null}
        <label for="login-email">E-mail</label>
        <input
          ref={first}
          id="login-email"
          name="email"
          type="email"
          autoComplete="username"
          required
          value={email}
          aria-describedby={error ? 'login-error' : undefined}
          onInput={(e) => setEmail(e.currentTarget.value)}
        />
        <label for="login-password">Password</label>
        <input
          id="login-password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p class="muted small">
          First start: the admin's password was printed once in the server's console (or set with DMARC_ADMIN_PASSWORD).
          Forgot it? Run <code>dmarc user reset-password</code>.
        </p>
      </form>
    </main>
  );
}
