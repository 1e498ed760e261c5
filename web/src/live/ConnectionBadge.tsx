import { useEffect, useState } from "react";
import type { ConnectionState } from "./reconnecting-socket.ts";

function label(state: ConnectionState, now: number): string {
  switch (state.kind) {
    case "open":
      return "Live";
    case "connecting":
      return state.attempt === 0 ? "Connecting…" : "Reconnecting…";
    case "waiting":
      return `Offline — retrying in ${Math.max(1, Math.ceil((state.retryAt - now) / 1000))} s`;
    case "closed":
      return "Disconnected";
  }
}

/** Shows whether live updates are flowing, so a stale screen never looks current. */
export function ConnectionBadge({ state }: { state: ConnectionState }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (state.kind !== "waiting") return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [state.kind]);
  return (
    <span className={`connection connection-${state.kind}`} role="status" aria-live="polite" title="Live updates">
      <span className="dot" aria-hidden="true" />
      {label(state, now)}
    </span>
  );
}
