import { useCan, useSession } from "../auth/session.ts";
import { dateTime } from "../ui/format.ts";
import { TokensView } from "./TokensView.tsx";
import { SessionsView } from "./SessionsView.tsx";

export function SettingsView() {
  const { info, signOut, signedOut } = useSession();
  const isAdmin = useCan("admin");
  return (
    <section aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      <div className="card">
        <p>
          Signed in as <strong>{info.identity.name}</strong> ({info.identity.role})
          {info.expiresAt && <span className="muted"> · session until {dateTime(info.expiresAt)}</span>}
        </p>
        <button type="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </div>
      {isAdmin ? <TokensView /> : <p className="muted">Only admins manage API tokens.</p>}
      {isAdmin && <SessionsView onSignedOutEverywhere={signedOut} />}
    </section>
  );
}
