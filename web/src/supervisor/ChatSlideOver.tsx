import { lazy, Suspense, useEffect } from "react";
import { Link } from "../app/Link.tsx";

const SupervisorChat = lazy(() => import("./SupervisorChat.tsx").then((m) => ({ default: m.SupervisorChat })));

/** The supervisor chat beside any view, so a person can talk while watching the fleet. */
export function ChatSlideOver({ onClose }: { onClose: () => void }) {
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => e.key === "Escape" && onClose();
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);
  return (
    <aside className="slide-over" id="supervisor-chat" aria-label="Supervisor chat">
      <div className="slide-over-bar">
        <Link to="/supervisor" className="small" onClick={onClose}>
          Open as a page
        </Link>
        <button type="button" className="ghost small" onClick={onClose} aria-label="Close the supervisor chat">
          ✕
        </button>
      </div>
      <Suspense fallback={<p className="muted">Loading…</p>}>
        <SupervisorChat compact />
      </Suspense>
    </aside>
  );
}
