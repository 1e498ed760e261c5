import { useState } from "react";
import { clock } from "../ui/format.ts";
import { screenshotUrl, taskFileUrl } from "./types.ts";
import type { TranscriptItem } from "./transcript.ts";

type Props = { taskId: string; items: readonly TranscriptItem[] };

/** The agent's words, each action with its result, screenshots and human turns, in order. */
export function Transcript({ taskId, items }: Props) {
  const [open, setOpen] = useState<string | null>(null);
  if (items.length === 0) return <p className="muted">Nothing yet: the transcript appears as the agent works.</p>;
  return (
    <>
      <ol className="transcript" aria-label="Transcript">
        {items.map((item) => (
          <li key={item.seq} className={`t-${item.kind}`}>
            <time className="t-time" dateTime={new Date(item.at).toISOString()}>
              {clock(item.at)}
            </time>
            <TranscriptEntry item={item} taskId={taskId} onOpen={setOpen} />
          </li>
        ))}
      </ol>
      {open && (
        <dialog open className="lightbox" aria-label="Screenshot" onClick={() => setOpen(null)} onKeyDown={(e) => e.key === "Escape" && setOpen(null)}>
          <img src={screenshotUrl(taskId, open)} alt="Screenshot, full size" />
          <button type="button" className="ghost" autoFocus onClick={() => setOpen(null)}>
            Close
          </button>
        </dialog>
      )}
    </>
  );
}

function TranscriptEntry({ item, taskId, onOpen }: { item: TranscriptItem; taskId: string; onOpen: (name: string) => void }) {
  switch (item.kind) {
    case "words":
      return <p className="t-words">{item.text}</p>;
    case "action":
      return (
        <p className="t-action">
          <span className="t-step">Step {item.step}</span> <code>{item.text}</code>
          {item.result && !item.result.ok && <span className="t-error"> — {item.result.summary || "failed"}</span>}
        </p>
      );
    case "screenshot":
      return (
        <button type="button" className="t-shot" onClick={() => onOpen(item.name)} aria-label={`Open screenshot${item.step !== null ? ` after step ${item.step}` : ""}`}>
          <img src={screenshotUrl(taskId, item.name)} alt={`Screenshot${item.step !== null ? ` after step ${item.step}` : ""}`} loading="lazy" width={item.width ?? undefined} height={item.height ?? undefined} />
        </button>
      );
    case "status":
      return <p className="t-status">Status: {item.text.replaceAll("_", " ")}</p>;
    case "human":
      return (
        <p className="t-human">
          <strong>{item.who}:</strong> {item.text}
        </p>
      );
    case "question":
      return (
        <p className="t-question">
          <strong>{item.secret ? "The agent asks (secret answer):" : "The agent asks:"}</strong> {item.text}
        </p>
      );
    case "secret":
      return (
        <p className="t-secret">
          <span aria-hidden="true">🔒 </span>
          {item.text[0]!.toUpperCase() + item.text.slice(1)}
        </p>
      );
    case "result":
      return <p className={item.ok ? "t-result-ok" : "t-result-failed"}>{item.ok ? `Result: ${item.text}` : `Failed: ${item.text}`}</p>;
    case "log":
      return <p className={`t-log t-log-${item.level}`}>{item.text}</p>;
    case "tool":
      return (
        <div className="t-tool">
          <p>
            <span className="t-step">Step {item.step}</span> <span className="t-tool-name">{item.tool}</span> <code>{item.text}</code>
            {!item.ok && <span className="t-error"> — failed</span>}
            {item.fileId && (
              <>
                {" "}
                <a href={taskFileUrl(taskId, item.fileId)} download>
                  Download
                </a>
              </>
            )}
          </p>
          {item.output && (
            <details>
              <summary>Output</summary>
              <pre className="t-output">{item.output}</pre>
            </details>
          )}
        </div>
      );
  }
}
