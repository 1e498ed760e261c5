import { useEffect, useState, type FormEvent } from "react";
import type { InferResponseType } from "hono/client";
import { api, setBearerToken } from "../api/client.ts";
import { call, errorMessage } from "../api/request.ts";
import { SessionContext } from "../auth/session.ts";
import { LiveScreen } from "../vnc/LiveScreen.tsx";
import { useTakeover } from "../desktops/Takeover.tsx";
import { readInitData } from "./init-data.ts";

type Session = InferResponseType<typeof api.telegram.webapp.session.$post, 201>;
type TelegramWebApp = { initData?: string; ready?: () => void; expand?: () => void };
type Phase = { kind: "opening" } | { kind: "refused"; message: string } | { kind: "open"; session: Session };

const telegramWebApp = (): TelegramWebApp | undefined => (window as { Telegram?: { WebApp?: TelegramWebApp } }).Telegram?.WebApp;

/** Telegram's own script makes the page feel native (ready, full height); the page works without it. */
function loadTelegramScript(): Promise<void> {
  return new Promise((done) => {
    const s = document.createElement("script");
    s.src = "https://telegram.org/js/telegram-web-app.js";
    s.onload = s.onerror = () => done();
    document.head.appendChild(s);
    setTimeout(done, 1_500);
  });
}

/**
 * One desktop in a Telegram Mini App: the dashboard's live view, and for operators take over,
 * type, hand back. It signs in with the initData Telegram signed for this person (kept in memory,
 * and the fragment removed from the address bar); a viewer only watches.
 */
export function MiniDesktop({ desktopId }: { desktopId: string }) {
  const [phase, setPhase] = useState<Phase>({ kind: "opening" });

  useEffect(() => {
    const fromFragment = readInitData(window.location.hash, undefined);
    if (window.location.hash) window.history.replaceState(null, "", window.location.pathname);
    void loadTelegramScript().then(async () => {
      const tg = telegramWebApp();
      tg?.ready?.();
      tg?.expand?.();
      const initData = readInitData("", tg?.initData) || fromFragment;
      if (!initData) {
        setPhase({ kind: "refused", message: "This page opens from the “Open desktop” button of a Deskfleet message in Telegram; it was opened without Telegram's sign-in data." });
        return;
      }
      try {
        const session = await call(api.telegram.webapp.session.$post({ json: { initData, desktopId } }));
        setBearerToken(session.token);
        setPhase({ kind: "open", session });
      } catch (e) {
        setPhase({ kind: "refused", message: errorMessage(e) });
      }
    });
  }, [desktopId]);

  if (phase.kind === "opening") return <p className="muted boot">Opening the desktop…</p>;
  if (phase.kind === "refused") {
    return (
      <main className="mini">
        <h1>Cannot open the desktop</h1>
        <p className="error" role="alert">
          {phase.message}
        </p>
      </main>
    );
  }
  const { session } = phase;
  const info = { identity: { ...session.identity, kind: "session" as const }, expiresAt: session.expiresAt };
  return (
    <SessionContext.Provider value={{ info, signOut: async () => undefined, signedOut: () => undefined }}>
      <MiniDesktopView session={session} />
    </SessionContext.Provider>
  );
}

function MiniDesktopView({ session }: { session: Session }) {
  const t = useTakeover(session.desktopId);
  const [text, setText] = useState("");
  const [typeError, setTypeError] = useState<string | null>(null);
  const send = async (e: FormEvent) => {
    e.preventDefault();
    if (!text) return;
    try {
      await call(api.desktops[":id"].input.$post({ param: { id: session.desktopId }, json: { action: "type", text } }));
      setText("");
      setTypeError(null);
    } catch (err) {
      setTypeError(errorMessage(err));
    }
  };
  return (
    <main className="mini" aria-labelledby="mini-title">
      <header className="mini-head">
        <h1 id="mini-title">
          <code>{session.desktopId}</code>
        </h1>
        <span className="muted small">
          {session.identity.name} · {session.identity.role}
        </span>
      </header>
      <div className="takeover" role="group" aria-label="Control">
        {!session.mayAct && <span className="muted small">View only: watching needs no more, taking over needs the operator role.</span>}
        {t.lease && !t.mine && <span className="muted small">{t.lease.holder.name} has taken over</span>}
        {t.mine && <span className="pill pill-busy">You have control{t.lease?.pausedTaskId ? " · task paused" : ""}</span>}
        {session.mayAct && !t.lease && (
          <button type="button" className="primary" onClick={() => void t.takeOver()}>
            Take over
          </button>
        )}
        {session.mayAct && t.mine && (
          <button type="button" className="primary" onClick={() => void t.handBack()}>
            Hand back
          </button>
        )}
        {t.error && <span className="error" role="alert">{t.error}</span>}
      </div>
      <div className="screen-full">
        <LiveScreen desktopId={session.desktopId} label={session.desktopId} interactive={t.mine} fallback={<span className="tile-empty">Connecting to the screen…</span>} />
      </div>
      {session.mayAct && t.mine && (
        // A phone's keyboard does not reach the canvas well: type here, it goes to the focused field on the screen.
        <form className="mini-type" onSubmit={(e) => void send(e)}>
          <input aria-label="Text to type on the desktop" value={text} onChange={(e) => setText(e.target.value)} autoComplete="off" />
          <button type="submit">Type</button>
          {typeError && <span className="error" role="alert">{typeError}</span>}
        </form>
      )}
    </main>
  );
}
