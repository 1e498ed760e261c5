import { diffWords } from "./diff.ts";

/** A prompt change word by word: what was added and what was removed. */
export function PromptDiff({ before, after, label }: { before: string; after: string; label: string }) {
  return (
    <div className="diff" aria-label={label}>
      {diffWords(before, after).map((p, i) => (p.kind === "same" ? <span key={i}>{p.text}</span> : p.kind === "added" ? <ins key={i}>{p.text}</ins> : <del key={i}>{p.text}</del>))}
    </div>
  );
}
