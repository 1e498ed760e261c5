import { useCan, useSession } from "../auth/session.ts";
import { dateTime } from "../ui/format.ts";
import { SecretsView } from "./SecretsView.tsx";
import { TokensView } from "./TokensView.tsx";
import { UserProfileEditor } from "./UserProfileEditor.tsx";
import { SessionsView } from "./SessionsView.tsx";

export function SettingsView() {
  const { info, signOut, signedOut } = useSession();
  const isAdmin = useCan("admin");
  const isOperator = useCan("operator");
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
      <UserProfileEditor />
      {isAdmin ? <TokensView /> : <p className="muted">Only admins manage API tokens.</p>}
      {isOperator ? <SecretsView canManage={isAdmin} /> : <p className="muted">Operators and admins see the vault's secrets.</p>}
      {isAdmin && <SessionsView onSignedOutEverywhere={signedOut} />}
    </section>
  );
}
