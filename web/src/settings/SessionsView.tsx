import { useCallback, useEffect, useState } from "react";
import type { InferResponseType } from "hono/client";
import { api } from "../api/client.ts";
import { call, errorMessage } from "../api/request.ts";
import { dateTime, timeAgo } from "../ui/format.ts";

type Session = InferResponseType<typeof api.sessions.$get, 200>["items"][number];

const VIA: Record<Session["via"], string> = { admin_token: "admin token", api_token: "API token", link: "sign-in link", access: "Cloudflare Access", telegram_webapp: "Telegram desktop (Mini App)" };

/**
 * Dashboard sessions (admins): who is signed in, how, since when, last seen and from which
 * country. Ending one closes its live views at once; "sign out everywhere" ends them all.
 */
export function SessionsView({ onSignedOutEverywhere }: { onSignedOutEverywhere: () => void }) {
  const [sessions, setSessions] = useState<Session[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(() => {
    call(api.sessions.$get())
      .then((r) => setSessions(r.items))
      .catch((e: unknown) => setError(errorMessage(e)));
  }, []);
  useEffect(load, [load]);

  const end = async (s: Session) => {
    if (!window.confirm(`End ${s.identity.name}'s session (${VIA[s.via]})? Their live views close at once.`)) return;
    try {
      await call(api.sessions[":id"].$delete({ param: { id: s.id } }));
      if (s.current) return onSignedOutEverywhere();
      load();
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  const endAll = async () => {
    if (!window.confirm("Sign everyone out everywhere? Every dashboard session ends, yours too; each person signs in again.")) return;
    setBusy(true);
    try {
      await call(api.sessions.$delete());
      onSignedOutEverywhere();
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="sessions-title">
      <h2 id="sessions-title">Sessions</h2>
      <p className="muted">Dashboard sign-ins. Revoking an API token or rotating the admin token also ends the sessions opened with it.</p>
      {error && <p className="error" role="alert">{error}</p>}
      {sessions && (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Who</th>
              <th scope="col">Signed in with</th>
              <th scope="col">Since</th>
              <th scope="col">Last seen</th>
              <th scope="col">Country</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {sessions.map((s) => (
              <tr key={s.id}>
                <td>
                  {s.identity.name} <span className="muted">({s.identity.role})</span>
                  {s.current && <span className="pill">this browser</span>}
                </td>
                <td>{VIA[s.via]}{s.desktopId ? ` · ${s.desktopId} only` : ""}</td>
                <td>{dateTime(s.createdAt)}</td>
                <td>{timeAgo(s.lastSeenAt)}</td>
                <td>{s.ipCountry ?? "unknown"}</td>
                <td>
                  <button type="button" className="danger small" onClick={() => void end(s)} aria-label={`End ${s.identity.name}'s session from ${dateTime(s.createdAt)}`}>
                    End
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <button type="button" className="danger" disabled={busy} onClick={() => void endAll()}>
        Sign out everywhere
      </button>
    </section>
  );
}
