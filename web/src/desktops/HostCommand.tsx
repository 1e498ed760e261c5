import { useState } from "react";
import { api } from "../api/client.ts";
import { call, errorMessage } from "../api/request.ts";

/** Issues a fresh host token and shows the exact command to start the host (the token is shown once). */
export function HostCommand({ desktopId, hasHostToken }: { desktopId: string; hasHostToken: boolean }) {
  const [command, setCommand] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [copied, setCopied] = useState(false);

  const issue = async () => {
    setBusy(true);
    setError(null);
    try {
      setCommand((await call(api.desktops[":id"]["host-token"].$post({ param: { id: desktopId } }))).command);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  if (command) {
    return (
      <div className="card host-command">
        <h2>Start the host on that machine</h2>
        <p className="muted small">Run this where it can reach the desktop's VNC server. The token is shown only now; issuing a new one disconnects the old host.</p>
        <pre tabIndex={0} aria-label="Host command">
          <code>{command}</code>
        </pre>
        <button
          type="button"
          onClick={() => {
            void navigator.clipboard?.writeText(command).then(() => setCopied(true));
          }}
        >
          {copied ? "Copied" : "Copy command"}
        </button>
      </div>
    );
  }
  return (
    <div className="card host-command">
      <h2>Make it a worker</h2>
      <p className="muted small">A worker runs tasks: the Deskfleet host on that machine drives the desktop and dials out to this control plane.</p>
      <button type="button" className="primary" disabled={busy} onClick={issue}>
        {busy ? "Issuing…" : hasHostToken ? "Issue a new host token" : "Show the host command"}
      </button>
      {error && <p className="error" role="alert">{error}</p>}
    </div>
  );
}
