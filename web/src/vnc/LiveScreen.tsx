import { useEffect, useState, type ReactNode } from "react";
import { api } from "../api/client.ts";
import { call } from "../api/request.ts";
import { backoffDelay, liveUrl } from "../live/reconnecting-socket.ts";
import { VncScreen, type VncState } from "./VncScreen.tsx";

type Props = {
  desktopId: string;
  label: string;
  /** Only the holder of the takeover lease sends input; the relay drops everyone else's. */
  interactive: boolean;
  /** Shown until the first frame arrives (or while the relay cannot be reached). */
  fallback: ReactNode;
};

/** A desktop's live screen: a fresh one-time ticket per connection, reconnecting with backoff. */
export function LiveScreen({ desktopId, label, interactive, fallback }: Props) {
  const [url, setUrl] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [state, setState] = useState<VncState>("connecting");

  useEffect(() => {
    let cancelled = false;
    const timer = setTimeout(
      () => {
        call(api.desktops[":id"]["vnc-ticket"].$post({ param: { id: desktopId } }))
          .then((t) => !cancelled && setUrl(liveUrl(t.url)))
          .catch(() => !cancelled && setAttempt((a) => a + 1));
      },
      attempt === 0 ? 0 : backoffDelay(attempt, 1000, 30_000, Math.random) + 500,
    );
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [desktopId, attempt]);

  const onState = (s: VncState) => {
    setState(s);
    if (s === "connected") setAttempt(0);
    // A ticket works once: reconnecting means asking for a new one.
    if (s === "disconnected") {
      setUrl(null);
      setAttempt((a) => a + 1);
    }
  };

  return (
    <div className="live-screen">
      {url && <VncScreen url={url} viewOnly={!interactive} label={label} onState={onState} />}
      {state !== "connected" && <div className="live-fallback">{fallback}</div>}
    </div>
  );
}
