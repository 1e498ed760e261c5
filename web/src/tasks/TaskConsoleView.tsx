import { useMemo, useState, type FormEvent } from "react";
import type { TaskEvent } from "@deskfleet/protocol";
import { healerRetryMeta } from "../approvals/entry-data.ts";
import { Link } from "../app/Link.tsx";
import { errorMessage } from "../api/request.ts";
import { ConnectionBadge } from "../live/ConnectionBadge.tsx";
import type { ConnectionState } from "../live/reconnecting-socket.ts";
import { StatusPill } from "../ui/StatusPill.tsx";
import { dateTime, duration, tokens, usd } from "../ui/format.ts";
import { PromptDiff } from "../ui/PromptDiff.tsx";
import { buildTranscript } from "./transcript.ts";
import { Transcript } from "./Transcript.tsx";
import { Replay } from "./Replay.tsx";
import { isFinished, targetText, type Task } from "./types.ts";
import { RunAnyway } from "../spend/RunAnyway.tsx";

export type TaskConsoleViewProps = {
  task: Task;
  events: readonly TaskEvent[];
  connection: ConnectionState;
  canOperate: boolean;
  onCancel: () => Promise<void>;
  onSend: (text: string) => Promise<void>;
  /** For a healer's retry: the prompt of the task it retries, to show what the healer changed. */
  retriedPrompt?: string | null;
};

/** One task: what it was asked, what it did and is doing, what it costs; cancel and follow up. */
export function TaskConsoleView({ task, events, connection, canOperate, onCancel, onSend, retriedPrompt = null }: TaskConsoleViewProps) {
  const items = useMemo(() => buildTranscript(events), [events]);
  // The task comes from the live feed as TaskDO holds it, so its usage and steps are current.
  const { usage, steps } = task;
  const finished = isFinished(task.status);
  const [tab, setTab] = useState<"transcript" | "replay">("transcript");

  return (
    <section className="task-console" aria-labelledby="task-title">
      <header className="page-head">
        <div>
          <h1 id="task-title" className="task-prompt">
            {task.prompt}
          </h1>
          <p className="muted small">
            <code>{task.id}</code>
            {task.agent && (
              <>
                {" "}
                · <Link to={`/agents/${task.agent}`}>@{task.agent}</Link>
              </>
            )}{" "}
            · {task.source} · created {dateTime(task.createdAt)}
            {" "}
            · {task.desktopId ? "on" : "for"}{" "}
            {task.desktopId || task.target.desktopId ? <Link to={`/desktops/${task.desktopId ?? task.target.desktopId}`}>{targetText(task)}</Link> : targetText(task)}
            {task.originalTaskId && (
              <>
                {" "}
                · retry {task.retryNumber} of <Link to={`/tasks/${task.originalTaskId}`}>{task.originalTaskId}</Link>
              </>
            )}
          </p>
        </div>
        <div className="head-actions">
          <StatusPill status={task.status} />
          {!finished && <ConnectionBadge state={connection} />}
          {canOperate && !finished && <CancelButton onCancel={onCancel} />}
        </div>
      </header>

      {task.status === "queued" && task.waitingReason && (
        <p className="notice" role="status">
          Waiting: {task.waitingReason}.
        </p>
      )}
      {!finished && <RunAnyway taskId={task.id} waitingReason={task.status === "queued" ? (task.waitingReason ?? null) : null} />}

      <dl className="stats" aria-label="Usage so far">
        <div>
          <dt>Steps</dt>
          <dd>{steps}</dd>
        </div>
        <div>
          <dt>Tokens in / out</dt>
          <dd>
            {tokens(usage.inputTokens + usage.cacheReadTokens + usage.cacheWriteTokens)} / {tokens(usage.outputTokens)}
          </dd>
        </div>
        <div>
          <dt>Cost</dt>
          <dd>
            {usd(usage.costUsd)}
            {task.options.budgetUsd !== undefined && <span className="muted"> of {usd(task.options.budgetUsd)}</span>}
          </dd>
        </div>
        <div>
          <dt>Time</dt>
          <dd>{task.startedAt ? duration((task.finishedAt ?? Date.now()) - task.startedAt) : "—"}</dd>
        </div>
      </dl>

      <HealerRetry task={task} retriedPrompt={retriedPrompt} />

      {task.error && (
        <p className="error" role="alert">
          {task.error.message}
        </p>
      )}
      {task.result && <p className="result">{task.result}</p>}

      {finished && (
        <div className="tabs" role="tablist" aria-label="View">
          <button type="button" role="tab" aria-selected={tab === "transcript"} onClick={() => setTab("transcript")}>
            Transcript
          </button>
          <button type="button" role="tab" aria-selected={tab === "replay"} onClick={() => setTab("replay")}>
            Step-by-step replay
          </button>
        </div>
      )}
      {finished && tab === "replay" ? <Replay taskId={task.id} items={items} /> : <Transcript taskId={task.id} items={items} />}

      {canOperate && <FollowUp finished={finished} onSend={onSend} />}
    </section>
  );
}

/** A retry the healer made: which task it retries, the healer's reason, and how its prompt changed. */
function HealerRetry({ task, retriedPrompt }: { task: TaskConsoleViewProps["task"]; retriedPrompt: string | null }) {
  const m = healerRetryMeta(task.sourceMeta);
  if (!m) return null;
  return (
    <section className="card retry-why" aria-label="Why this retry">
      <p className="small">
        The healer (<Link to={`/tasks/${m.healerTaskId}`}>{m.healerTaskId}</Link>) retried <Link to={`/tasks/${m.retryOf}`}>{m.retryOf}</Link> with a new prompt
        {m.approvedBy ? `, on another target approved by ${m.approvedBy}` : ""}.
      </p>
      <p>
        <strong>Its reason:</strong> {m.reason}
      </p>
      {retriedPrompt !== null ? (
        <PromptDiff before={retriedPrompt} after={task.prompt} label="How the healer changed the prompt" />
      ) : (
        <div className="diff" aria-label="The retry prompt">
          {task.prompt}
        </div>
      )}
    </section>
  );
}

function CancelButton({ onCancel }: { onCancel: () => Promise<void> }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <>
      <button
        type="button"
        className="danger"
        disabled={busy}
        onClick={() => {
          setBusy(true);
          onCancel()
            .catch((e: unknown) => setError(errorMessage(e)))
            .finally(() => setBusy(false));
        }}
      >
        {busy ? "Cancelling…" : "Cancel task"}
      </button>
      {error && <span className="error" role="alert">{error}</span>}
    </>
  );
}

function FollowUp({ finished, onSend }: { finished: boolean; onSend: (text: string) => Promise<void> }) {
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!text.trim()) return;
    setBusy(true);
    setError(null);
    try {
      await onSend(text.trim());
      setText("");
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="follow-up" onSubmit={submit}>
      <label htmlFor="follow-up">{finished ? "Continue this task on the same desktop" : "Send the agent a message"}</label>
      <div className="row">
        <textarea id="follow-up" rows={2} value={text} onChange={(e) => setText(e.target.value)} placeholder="e.g. Also export it as PDF" />
        <button type="submit" className="primary" disabled={busy || !text.trim()}>
          {busy ? "Sending…" : "Send"}
        </button>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
    </form>
  );
}
