import { useEffect, useRef, useState, type FormEvent } from "react";
import { api } from "../api/client.ts";
import { call, RequestError, errorMessage } from "../api/request.ts";
import type { SessionInfo } from "./session.ts";

type Props = { onSignedIn: (info: SessionInfo) => void; linkCode?: string | null };

function explain(e: unknown): string {
  if (e instanceof RequestError && e.code === "invalid_credentials") return "That token is not valid here: it may be revoked, mistyped or from another deployment.";
  if (e instanceof RequestError && e.code === "invalid_sign_in_code") return "This sign-in link was already used or has expired. Sign in with a token, or restart `npm start` for a fresh link.";
  return errorMessage(e);
}

/** Sign in with the admin token or an API token; a one-time link signs in by itself. */
export function SignIn({ onSignedIn, linkCode = null }: Props) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(linkCode !== null);
  const used = useRef(false);

  useEffect(() => {
    if (!linkCode || used.current) return;
    used.current = true; // a code is single-use: never send it twice (StrictMode runs effects twice)
    call(api.session.$post({ json: { code: linkCode } }))
      .then(onSignedIn)
      .catch((e: unknown) => setError(explain(e)))
      .finally(() => setBusy(false));
  }, [linkCode, onSignedIn]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!token.trim()) {
      setError("Paste the admin token or an API token.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await call(api.session.$post({ json: { token: token.trim() } })));
    } catch (err) {
      setError(explain(err));
      setBusy(false);
    }
  };

  return (
    <main className="sign-in">
      <form className="card sign-in-card" onSubmit={submit} noValidate aria-describedby={error ? "sign-in-error" : undefined}>
        <h1>Deskfleet</h1>
        <p className="muted">Sign in to watch and steer your desktops.</p>
        <label htmlFor="sign-in-token">Token</label>
        <input
          id="sign-in-token"
          type="password"
          autoComplete="current-password"
          placeholder="admin token or dft_…"
          value={token}
          onChange={(e) => setToken(e.target.value)}
          aria-invalid={error !== null}
          autoFocus
        />
        {error && (
          <p id="sign-in-error" className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
        <p className="muted small">The token is exchanged for a session cookie; it is not kept in the browser.</p>
      </form>
    </main>
  );
}
