import { useState } from "react";
import type { HostInstallLines } from "@deskfleet/protocol";
import { api } from "../api/client.ts";
import { call, errorMessage } from "../api/request.ts";

type Issued = { token: string; install: HostInstallLines };

/** A value to copy, with its own button (the token, each install line). */
function Copyable({ label, value, copyLabel }: { label: string; value: string; copyLabel: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="copyable">
      <pre tabIndex={0} aria-label={label}>
        <code>{value}</code>
      </pre>
      <button
        type="button"
        onClick={() => {
          void navigator.clipboard?.writeText(value).then(() => setCopied(true));
        }}
      >
        {copied ? "Copied" : copyLabel}
      </button>
    </div>
  );
}

/**
 * Issues a fresh host token and shows the one line per OS that installs the
 * host from this control plane. The line holds no token: the installer asks
 * for it, so it is pasted once and lands in no command line or shell history.
 */
export function HostCommand({ desktopId, hasHostToken }: { desktopId: string; hasHostToken: boolean }) {
  const [issued, setIssued] = useState<Issued | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const issue = async () => {
    setBusy(true);
    setError(null);
    try {
      const r = await call(api.desktops[":id"]["host-token"].$post({ param: { id: desktopId } }));
      setIssued({ token: r.token, install: r.install });
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  if (issued) {
    return (
      <div className="card host-command">
        <h2>Install the host on that machine</h2>
        <p className="muted small">
          Run the line for its OS where the host can reach the desktop's VNC server. It needs Node.js 22 or newer, downloads the host from this control plane, checks
          its SHA-256 and asks for the token below: paste it there (it is not shown). The token is shown only now; issuing a new one disconnects the old host.
        </p>
        <h3>Host token</h3>
        <Copyable label="Host token" value={issued.token} copyLabel="Copy token" />
        <h3>Linux and macOS</h3>
        <Copyable label="Install line for Linux and macOS" value={issued.install.unix} copyLabel="Copy line" />
        <h3>Windows (PowerShell)</h3>
        <Copyable label="Install line for Windows" value={issued.install.windows} copyLabel="Copy line" />
        <p className="muted small">
          Then <code>deskfleet-host doctor</code> checks it and <code>deskfleet-host service install</code> keeps it running (restarted after a failure, started at
          login). For tasks, put <code>ANTHROPIC_API_KEY=…</code> in <code>~/.deskfleet/env</code>, or export it before running the line.
        </p>
      </div>
    );
  }
  return (
    <div className="card host-command">
      <h2>Make it a worker</h2>
      <p className="muted small">A worker runs tasks: the Deskfleet host on that machine drives the desktop and dials out to this control plane.</p>
      <button type="button" className="primary" disabled={busy} onClick={issue}>
        {busy ? "Issuing…" : hasHostToken ? "Issue a new host token" : "Show the install line"}
      </button>
      {error && <p className="error" role="alert">{error}</p>}
    </div>
  );
}
