import { useEffect, useMemo, useRef, useState, type FormEvent, type KeyboardEvent, type ReactNode } from "react";
import type { SupervisorEntry, SupervisorStatus } from "@deskfleet/protocol";
import { errorMessage } from "../api/request.ts";
import { ConnectionBadge } from "../live/ConnectionBadge.tsx";
import type { ConnectionState } from "../live/reconnecting-socket.ts";
import { clock } from "../ui/format.ts";
import { buildChat, resultLine, type ChatItem } from "./chat-log.ts";

export type SupervisorChatViewProps = {
  entries: readonly SupervisorEntry[];
  status: SupervisorStatus | null;
  connection: ConnectionState;
  loaded: boolean;
  error: string | null;
  canSend: boolean;
  onSend: (text: string) => Promise<void>;
  /** Approve or reject a proposal shown in the conversation (operators). */
  onDecideProposal?: (proposalId: string, approve: boolean) => Promise<void>;
  onNewConversation?: () => void;
  /** Why nobody writes here (another channel's conversation), instead of the viewer's note. */
  readOnlyNote?: string;
  /** The slide-over is narrow: a compact header without the page title. */
  compact?: boolean;
};

const STATUS_TEXT: Record<SupervisorStatus, string | null> = {
  idle: null,
  thinking: "The supervisor is working…",
  waiting_for_task: "Waiting for a task to finish…",
  waiting_for_human: "The supervisor is waiting for your answer.",
  finished: null,
};

/** A chat with the supervisor: the conversation so far, what it is doing now, and a composer. */
export function SupervisorChatView(props: SupervisorChatViewProps) {
  const { entries, status, connection, loaded, error, canSend, onSend, onDecideProposal, onNewConversation, compact, readOnlyNote } = props;
  const items = useMemo(() => buildChat(entries), [entries]);
  const end = useRef<HTMLDivElement>(null);
  // Follow the conversation as it grows, like any chat. A block body: Chromium's scrollIntoView
  // now returns a promise, and an effect that returns one crashes React on its next run.
  useEffect(() => {
    void end.current?.scrollIntoView?.({ block: "end" });
  }, [items.length]);
  const activity = status ? STATUS_TEXT[status] : null;

  return (
    <section className={`chat${compact ? " chat-compact" : ""}`} aria-labelledby="chat-title">
      <header className="chat-head">
        <h1 id="chat-title" className={compact ? "chat-title-small" : undefined}>
          Supervisor
        </h1>
        <div className="head-actions">
          <ConnectionBadge state={connection} />
          {onNewConversation && items.length > 0 && (
            <button type="button" className="ghost small" onClick={onNewConversation}>
              New conversation
            </button>
          )}
        </div>
      </header>
      {error && <p className="error" role="alert">{error}</p>}
      <div className="chat-scroll">
        {loaded && items.length === 0 && (
          <p className="muted chat-empty">Ask the supervisor about the fleet, start or schedule tasks, or have it look at a desktop: “What failed overnight?”</p>
        )}
        <ol className="chat-log" aria-label="Conversation">
          {items.map((item) => (
            <li key={item.seq} className={`chat-${item.kind}${item.kind === "notice" && item.error ? " chat-error" : ""}`}>
              <ChatEntry item={item} onDecideProposal={onDecideProposal} />
            </li>
          ))}
        </ol>
        {activity && (
          <p className="chat-activity muted small" role="status">
            {activity}
          </p>
        )}
        <div ref={end} />
      </div>
      {canSend ? <Composer waitingForAnswer={status === "waiting_for_human"} onSend={onSend} /> : <p className="muted small">{readOnlyNote ?? "Viewers can read the conversation; an operator can write to the supervisor."}</p>}
    </section>
  );
}

function ChatEntry({ item, onDecideProposal }: { item: ChatItem; onDecideProposal: SupervisorChatViewProps["onDecideProposal"] }) {
  const time = (
    <time className="chat-time" dateTime={new Date(item.at).toISOString()}>
      {clock(item.at)}
    </time>
  );
  switch (item.kind) {
    case "person":
      return (
        <div className="bubble bubble-person">
          <span className="chat-who">{item.who}</span> {time}
          {item.text && <p>{item.text}</p>}
          {item.files.length > 0 && <SentFiles files={item.files} />}
        </div>
      );
    case "supervisor":
      return (
        <div className="bubble">
          <span className="chat-who">Supervisor</span> {time}
          <p>{item.text}</p>
        </div>
      );
    case "question":
      return (
        <div className="bubble bubble-question">
          <span className="chat-who">The supervisor asks</span> {time}
          <p>{item.text}</p>
        </div>
      );
    case "tool":
      return <ToolRow item={item} />;
    case "screenshot":
      return (
        <figure className="chat-shot">
          <a href={item.src} target="_blank" rel="noreferrer">
            <img src={item.src} alt={item.caption || "Screenshot from the supervisor"} loading="lazy" />
          </a>
          {item.caption && <figcaption className="small">{item.caption}</figcaption>}
        </figure>
      );
    case "notice":
      return <p className={item.error ? "error small" : "muted small"}>{item.text}</p>;
    case "proposal":
      return <ProposalInChat item={item} time={time} onDecide={onDecideProposal} />;
  }
}

/** What a person sent with a message: images as thumbnails, other files as chips with their type and size; each opens from the API. */
function SentFiles({ files }: { files: Extract<ChatItem, { kind: "person" }>["files"] }) {
  return (
    <ul className="chat-files" aria-label="Files sent">
      {files.map((f) => (
        <li key={f.id}>
          <a href={f.url} target="_blank" rel="noreferrer" title={`${f.name} (${f.contentType}, ${fileSize(f.bytes)})`}>
            {f.kind === "image" ? <img className="chat-file-thumb" src={f.url} alt={f.name} loading="lazy" /> : <span className="chat-file-chip">{f.kind === "pdf" ? "PDF" : "file"} · {f.name} · {fileSize(f.bytes)}</span>}
          </a>
        </li>
      ))}
    </ul>
  );
}

const fileSize = (n: number): string => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : n >= 1024 ? `${Math.round(n / 1024)} kB` : `${n} B`);

/** A proposal where it was made: what it would do, Approve / Reject while it waits, then how it was decided. */
function ProposalInChat({ item, time, onDecide }: { item: Extract<ChatItem, { kind: "proposal" }>; time: ReactNode; onDecide: SupervisorChatViewProps["onDecideProposal"] }) {
  const p = item.proposal;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const decide = async (approve: boolean) => {
    if (!onDecide) return;
    setBusy(true);
    setError(null);
    try {
      await onDecide(p.proposalId, approve);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  const outcome =
    p.status === "pending" ? "Needs your approval" : p.status === "expired" ? "Expired: nobody decided in time" : `${p.status === "approved" ? "Approved" : "Rejected"} by ${p.decidedBy ?? "someone"}`;
  return (
    <div className="bubble chat-proposal-card" role="group" aria-label={`Proposal: ${p.summary}`}>
      <span className="chat-who">{outcome}</span> {time}
      <p>{p.summary}</p>
      {p.error && <p className="error small">Carrying it out failed: {p.error.message}</p>}
      {p.status === "pending" && onDecide && (
        <div className="row">
          <button type="button" className="primary small" disabled={busy} onClick={() => void decide(true)}>
            Approve
          </button>
          <button type="button" className="danger small" disabled={busy} onClick={() => void decide(false)}>
            Reject
          </button>
        </div>
      )}
      {error && <p className="error small" role="alert">{error}</p>}
    </div>
  );
}

/** One tool use on one line (name, short input, outcome); the full input and result are one click away. */
function ToolRow({ item }: { item: Extract<ChatItem, { kind: "tool" }> }) {
  const outcome = item.proposed ? "proposed" : item.result === null ? "running" : item.result.ok ? "done" : "failed";
  return (
    <details className={`tool tool-${outcome}`}>
      <summary aria-label={`Tool ${item.name}, ${outcome}${item.summary ? `: ${item.summary}` : ""}`}>
        <span className="tool-mark" aria-hidden="true">
          {outcome === "running" ? "…" : outcome === "done" ? "✓" : outcome === "proposed" ? "⏸" : "✗"}
        </span>
        <code>{item.name}</code> <span className="tool-summary">{item.summary}</span>
        {item.result && <span className="tool-result"> → {resultLine(item.result.text)}</span>}
      </summary>
      {item.input && <pre aria-label="Input">{item.input}</pre>}
      {item.result && <pre aria-label="Result">{item.result.text}</pre>}
    </details>
  );
}

function Composer({ waitingForAnswer, onSend }: { waitingForAnswer: boolean; onSend: (text: string) => Promise<void> }) {
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e?: FormEvent) => {
    e?.preventDefault();
    const message = text.trim();
    if (!message || busy) return;
    setBusy(true);
    setError(null);
    try {
      await onSend(message);
      setText("");
    } catch (err) {
      setError(errorMessage(err)); // the draft stays, to retry
    } finally {
      setBusy(false);
    }
  };
  // Enter sends, Shift+Enter adds a line: what chat users expect.
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) void submit(e);
  };
  return (
    <form className="chat-composer" onSubmit={submit}>
      <label htmlFor="chat-message" className="visually-hidden">
        {waitingForAnswer ? "Your answer to the supervisor" : "Message the supervisor"}
      </label>
      <div className="row">
        <textarea
          id="chat-message"
          rows={2}
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKeyDown}
          placeholder={waitingForAnswer ? "Answer the supervisor's question" : "Message the supervisor"}
        />
        <button type="submit" className="primary" disabled={busy || !text.trim()}>
          {busy ? "Sending…" : "Send"}
        </button>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
    </form>
  );
}
