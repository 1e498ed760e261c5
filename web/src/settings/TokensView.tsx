import { useCallback, useEffect, useState, type FormEvent } from "react";
import type { InferRequestType, InferResponseType } from "hono/client";
import { api } from "../api/client.ts";
import { call, errorMessage } from "../api/request.ts";
import { dateTime, timeAgo } from "../ui/format.ts";

type Token = InferResponseType<typeof api.tokens.$get, 200>["items"][number];
type Role = InferRequestType<typeof api.tokens.$post>["json"]["role"];
const ROLES: { role: Role; what: string }[] = [
  { role: "viewer", what: "watch only" },
  { role: "operator", what: "run, cancel and answer tasks" },
  { role: "admin", what: "everything, including desktops and tokens" },
];

/** API tokens: create (the secret is shown once), list without secrets, revoke. */
export function TokensView() {
  const [tokens, setTokens] = useState<Token[] | null>(null);
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("operator");
  const [fresh, setFresh] = useState<{ name: string; token: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(() => {
    call(api.tokens.$get())
      .then((r) => setTokens(r.items))
      .catch((e: unknown) => setError(errorMessage(e)));
  }, []);
  useEffect(load, [load]);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const t = await call(api.tokens.$post({ json: { name: name.trim(), role } }));
      setFresh({ name: t.name, token: t.token });
      setName("");
      load();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (t: Token) => {
    if (!window.confirm(`Revoke “${t.name}”? Anything using it stops working at once.`)) return;
    try {
      await call(api.tokens[":id"].$delete({ param: { id: t.id } }));
      load();
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  return (
    <section aria-labelledby="tokens-title">
      <h2 id="tokens-title">API tokens</h2>
      <form className="card form inline-form" onSubmit={create}>
        <div className="field">
          <label htmlFor="token-name">Name</label>
          <input id="token-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="ci, phone, zapier…" required maxLength={100} />
        </div>
        <div className="field">
          <label htmlFor="token-role">Role</label>
          <select id="token-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLES.map((r) => (
              <option key={r.role} value={r.role}>
                {r.role} — {r.what}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="primary" disabled={busy || !name.trim()}>
          Create token
        </button>
      </form>
      {fresh && (
        <div className="card new-token" role="status">
          <p>
            <strong>Copy the token for “{fresh.name}” now.</strong> It will not be shown again.
          </p>
          <pre tabIndex={0} aria-label="New token">
            <code>{fresh.token}</code>
          </pre>
          <div className="row">
            <button type="button" onClick={() => void navigator.clipboard?.writeText(fresh.token)}>
              Copy
            </button>
            <button type="button" className="ghost" onClick={() => setFresh(null)}>
              Done, hide it
            </button>
          </div>
        </div>
      )}
      {error && <p className="error" role="alert">{error}</p>}
      {tokens && tokens.length === 0 && <p className="muted">No API tokens yet.</p>}
      {tokens && tokens.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Token</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tokens.map((t) => (
              <tr key={t.id}>
                <td>{t.name}</td>
                <td>{t.role}</td>
                <td>
                  <code>{t.prefix}…</code>
                </td>
                <td>{dateTime(t.createdAt)}</td>
                <td>{t.lastUsedAt ? timeAgo(t.lastUsedAt) : "never"}</td>
                <td>
                  <button type="button" className="danger small" onClick={() => void revoke(t)} aria-label={`Revoke ${t.name}`}>
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
