import { useCallback, useEffect, useState, type FormEvent } from "react";
import type { InferResponseType } from "hono/client";
import { api } from "../api/client.ts";
import { call, errorMessage } from "../api/request.ts";
import { Link } from "../app/Link.tsx";
import { useCan } from "../auth/session.ts";
import { useFleet } from "../live/FleetProvider.tsx";
import { screenshotName } from "../tasks/transcript.ts";
import { screenshotUrl } from "../tasks/types.ts";
import { timeAgo } from "../ui/format.ts";

type HelpRequest = InferResponseType<(typeof api)["help-requests"]["$get"], 200>["items"][number];

/** Questions agents are waiting on: answer (or pick an offered option) or dismiss; the first answer from any channel wins. */
export function HelpInbox() {
  const { taskStatus, refreshHelp } = useFleet();
  const [items, setItems] = useState<HelpRequest[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    call(api["help-requests"].$get({ query: { limit: "50" } }))
      .then((r) => setItems(r.items))
      .catch((e: unknown) => setError(errorMessage(e)));
  }, []);
  useEffect(load, [load, taskStatus]);

  const open = items?.filter((h) => h.status === "open") ?? [];
  const resolved = items?.filter((h) => h.status !== "open") ?? [];
  const done = () => {
    load();
    refreshHelp();
  };
  return (
    <section aria-labelledby="help-title">
      <h1 id="help-title">Help inbox</h1>
      {error && <p className="error" role="alert">{error}</p>}
      {items && open.length === 0 && <p className="muted">No agent is waiting for an answer.</p>}
      <ul className="plain-list" aria-label="Open questions">
        {open.map((h) => (
          <li key={h.id}>
            <HelpCard request={h} onResolved={done} />
          </li>
        ))}
      </ul>
      {resolved.length > 0 && (
        <>
          <h2>Resolved</h2>
          <ul className="plain-list" aria-label="Resolved questions">
            {resolved.slice(0, 20).map((h) => (
              <li key={h.id} className="card small">
                <p>
                  {h.question} — <strong>{h.status === "answered" ? (h.secret ? "answered (secret, not shown)" : (h.answer ?? "answered")) : h.status.replace("_", " ")}</strong>
                  {h.answeredBy && <span className="muted"> by {h.answeredBy}{h.answeredVia ? ` via ${h.answeredVia}` : ""}</span>}
                </p>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function HelpCard({ request: h, onResolved }: { request: HelpRequest; onResolved: () => void }) {
  const canAnswer = useCan("operator");
  const [answer, setAnswer] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const shot = h.screenshotKey ? screenshotName(h.screenshotKey) : null;

  const act = async (run: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await run();
      onResolved();
    } catch (e) {
      setError(errorMessage(e)); // e.g. someone answered first on Telegram
      setBusy(false);
    }
  };
  const respond = (text: string) => act(() => call(api["help-requests"][":id"].respond.$post({ param: { id: h.id }, json: { answer: text } })));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (answer.trim()) void respond(answer.trim());
  };

  return (
    <article className="card help-item" aria-label={`Question from ${h.desktopId ?? "an agent"}`}>
      <div>
        <p className="muted small">
          {h.desktopId ?? "agent"} · asked {timeAgo(h.createdAt)} · <Link to={`/tasks/${h.taskId}`}>open task</Link>
        </p>
        <p className="question">{h.question}</p>
        {h.secret && <p className="muted small">Secret question: your answer goes to the agent only and is never shown again.</p>}
        {canAnswer && (
          <>
            {!h.secret && h.options && h.options.length > 0 && (
              <div className="options" role="group" aria-label="Suggested answers">
                {h.options.map((o) => (
                  <button key={o} type="button" disabled={busy} onClick={() => void respond(o)}>
                    {o}
                  </button>
                ))}
              </div>
            )}
            <form onSubmit={submit} className="row">
              <label className="visually-hidden" htmlFor={`answer-${h.id}`}>
                {h.secret ? "Your secret answer" : "Your answer"}
              </label>
              {/* A secret answer is typed into a password field: not shown on screen, not kept by the browser. */}
              <input
                id={`answer-${h.id}`}
                type={h.secret ? "password" : "text"}
                autoComplete={h.secret ? "off" : undefined}
                value={answer}
                onChange={(e) => setAnswer(e.target.value)}
                placeholder={h.secret ? "Secret answer" : "Your answer"}
              />
              <button type="submit" className="primary" disabled={busy || !answer.trim()}>
                Answer
              </button>
              <button type="button" className="ghost" disabled={busy} onClick={() => void act(() => call(api["help-requests"][":id"].dismiss.$post({ param: { id: h.id } })))}>
                Dismiss
              </button>
            </form>
          </>
        )}
        {error && <p className="error" role="alert">{error}</p>}
      </div>
      {shot && <img src={screenshotUrl(h.taskId, shot)} alt="The desktop when the agent asked" />}
    </article>
  );
}
