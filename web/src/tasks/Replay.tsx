import { useMemo, useState } from "react";
import { clock } from "../ui/format.ts";
import type { TranscriptItem } from "./transcript.ts";
import { screenshotUrl } from "./types.ts";

type Frame = { shot: Extract<TranscriptItem, { kind: "screenshot" }>; before: TranscriptItem[] };

/** Groups the transcript into frames: each screenshot with what happened since the previous one. */
export function replayFrames(items: readonly TranscriptItem[]): Frame[] {
  const frames: Frame[] = [];
  let pending: TranscriptItem[] = [];
  for (const item of items) {
    if (item.kind === "screenshot") {
      frames.push({ shot: item, before: pending });
      pending = [];
    } else if (item.kind === "words" || item.kind === "action" || item.kind === "human" || item.kind === "question") pending.push(item);
  }
  return frames;
}

/** Step through a finished task screenshot by screenshot, with the agent's words and actions that led there. */
export function Replay({ taskId, items }: { taskId: string; items: readonly TranscriptItem[] }) {
  const frames = useMemo(() => replayFrames(items), [items]);
  const [i, setI] = useState(0);
  const frame = frames[Math.min(i, frames.length - 1)];
  if (!frame) return <p className="muted">This task has no screenshots to replay.</p>;
  const go = (n: number) => setI(Math.max(0, Math.min(frames.length - 1, n)));
  return (
    <section className="replay" aria-label="Replay" onKeyDown={(e) => (e.key === "ArrowRight" ? go(i + 1) : e.key === "ArrowLeft" ? go(i - 1) : undefined)}>
      <div className="replay-controls">
        <button type="button" onClick={() => go(i - 1)} disabled={i === 0} aria-label="Previous screenshot">
          ←
        </button>
        <input type="range" min={0} max={frames.length - 1} value={i} onChange={(e) => go(Number(e.target.value))} aria-label="Replay position" />
        <button type="button" onClick={() => go(i + 1)} disabled={i >= frames.length - 1} aria-label="Next screenshot">
          →
        </button>
        <span className="muted small">
          {i + 1} / {frames.length} · {clock(frame.shot.at)}
        </span>
      </div>
      <ul className="replay-before">
        {frame.before.map((b) => (
          <li key={b.seq}>{b.kind === "action" ? <code>{b.text}</code> : "text" in b ? b.text : null}</li>
        ))}
      </ul>
      <img className="replay-shot" src={screenshotUrl(taskId, frame.shot.name)} alt={`Screenshot ${i + 1} of ${frames.length}`} />
    </section>
  );
}
