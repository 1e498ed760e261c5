import { lazy, Suspense, useEffect, useRef } from "react";
import { Link } from "../app/Link.tsx";

const SupervisorChat = lazy(() => import("./SupervisorChat.tsx").then((m) => ({ default: m.SupervisorChat })));

/**
 * The supervisor chat beside any view, so a person can talk while watching the
 * fleet. It is not modal, so focus is not trapped in it: opening it moves focus
 * to its message box (`focusOnOpen`: only when a person opened it, not when it
 * comes back open with a reload), and the Shell returns focus to its button on close.
 */
export function ChatSlideOver({ onClose, focusOnOpen = false, onFocused }: { onClose: () => void; focusOnOpen?: boolean; onFocused?: () => void }) {
  const panel = useRef<HTMLElement>(null);
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => e.key === "Escape" && onClose();
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);
  useEffect(() => {
    const root = panel.current;
    if (!focusOnOpen || !root) return;
    // The chat loads lazily: focus its message box once it is there.
    const focusBox = () => {
      const box = root.querySelector<HTMLTextAreaElement>("textarea");
      if (!box) return false;
      box.focus();
      onFocused?.(); // once: the panel coming back after a visit to the chat page must not take focus again
      return true;
    };
    if (focusBox()) return;
    const observer = new MutationObserver(() => focusBox() && observer.disconnect());
    observer.observe(root, { childList: true, subtree: true });
    return () => observer.disconnect();
  }, [focusOnOpen, onFocused]);
  return (
    <aside className="slide-over" id="supervisor-chat" aria-label="Supervisor chat" ref={panel}>
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
