import { useState } from "react";
import { Link } from "../app/Link.tsx";
import { errorMessage } from "../api/request.ts";
import { PromptDiff } from "../ui/PromptDiff.tsx";
import { dateTime, timeAgo } from "../ui/format.ts";
import { CLASS_LABEL, origin, taskIdsIn, type Proposal } from "./types.ts";

const STATUS_TEXT: Record<Proposal["status"], string> = { pending: "waiting", approved: "approved", rejected: "rejected", expired: "expired" };

/** One proposal: what it would do, why it waits, the prompt diff for a rewrite, and Approve / Reject while it waits. */
export function ProposalCard({ proposal: p, canDecide, onDecide }: { proposal: Proposal; canDecide: boolean; onDecide: (approve: boolean) => Promise<void> }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const pending = p.status === "pending";
  const decide = async (approve: boolean) => {
    setBusy(true);
    setError(null);
    try {
      await onDecide(approve);
    } catch (e) {
      setError(errorMessage(e)); // e.g. someone decided first in Telegram
    } finally {
      setBusy(false);
    }
  };
  const started = taskIdsIn(p.result);
  return (
    <article className="card proposal" aria-label={`Proposal: ${p.summary}`}>
      <p className="muted small">
        <span className={`pill pill-proposal-${p.status}`}>{STATUS_TEXT[p.status]}</span> <code>{p.tool}</code> · {CLASS_LABEL[p.actionClass]} · from {origin(p.conversationId)}
        {p.taskId && (
          <>
            {" "}
            (<Link to={`/tasks/${p.taskId}`}>job task</Link>)
          </>
        )}{" "}
        · proposed {timeAgo(p.createdAt)}
        {pending && <> · expires {dateTime(p.expiresAt)}</>}
      </p>
      <p className="proposal-summary">{p.summary}</p>
      <p className="small">
        <strong>{pending ? "Why it waits:" : "Why it needed approval:"}</strong> {p.why}
      </p>
      {p.reason && (
        <p className="small">
          <strong>The supervisor's reason:</strong> {p.reason}
        </p>
      )}
      {p.diff && <PromptDiff before={p.diff.before} after={p.diff.after} label="The proposed prompt change" />}
      <details className="small">
        <summary>Exactly what it would run</summary>
        <pre aria-label="Input">{JSON.stringify(p.input, null, 2)}</pre>
      </details>
      {pending && canDecide && (
        <div className="row" role="group" aria-label="Decide">
          <button type="button" className="primary" disabled={busy} onClick={() => void decide(true)}>
            Approve
          </button>
          <button type="button" className="danger" disabled={busy} onClick={() => void decide(false)}>
            Reject
          </button>
        </div>
      )}
      {!pending && (
        <p className="small" role="status">
          {p.status === "expired" ? "Expired: nobody decided in time." : `${p.status === "approved" ? "Approved" : "Rejected"} by ${p.decidedBy ?? "someone"}${p.decidedVia ? ` via ${p.decidedVia}` : ""}`}
          {p.decidedAt && p.status !== "expired" && <span className="muted"> · {dateTime(p.decidedAt)}</span>}
          {started.map((id) => (
            <span key={id}>
              {" "}
              · started <Link to={`/tasks/${id}`}>{id}</Link>
            </span>
          ))}
        </p>
      )}
      {p.error && (
        <p className="error small" role="alert">
          Carrying it out failed: {p.error.message}
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </article>
  );
}
