import type { TaskEvent } from "@deskfleet/protocol";

export type TranscriptItem =
  | { kind: "words"; seq: number; at: number; text: string }
  | { kind: "action"; seq: number; at: number; step: number; text: string; result: { ok: boolean; summary: string } | null }
  | { kind: "screenshot"; seq: number; at: number; name: string; step: number | null; width: number | null; height: number | null }
  | { kind: "status"; seq: number; at: number; text: string }
  | { kind: "human"; seq: number; at: number; who: string; text: string }
  | { kind: "question"; seq: number; at: number; text: string }
  | { kind: "result"; seq: number; at: number; ok: boolean; text: string }
  | { kind: "log"; seq: number; at: number; level: string; text: string };

const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

/** `left_click at (512, 300)`, `type "hello"`, `key ctrl+l`, `scroll down ×3`… */
export function describeAction(data: Record<string, unknown>): string {
  const action = str(data["action"]) ?? str(data["name"]) ?? "action";
  const parts = [action];
  const coord = data["coordinate"];
  if (Array.isArray(coord) && coord.length === 2) parts.push(`at (${coord.map(Number).join(", ")})`);
  const text = str(data["text"]);
  if (text !== null) parts.push(action === "type" ? JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text) : text);
  const dir = str(data["scroll_direction"]);
  if (dir) parts.push(`${dir}${num(data["scroll_amount"]) ? ` ×${data["scroll_amount"]}` : ""}`);
  const duration = num(data["duration"]);
  if (duration !== null) parts.push(`${duration} s`);
  return parts.join(" ");
}

/** The file name part of a screenshot key (`tasks/<id>/<name>`), which the viewer endpoint takes. */
export function screenshotName(key: string): string | null {
  const name = key.split("/").pop() ?? "";
  return /^[0-9a-z-]{8,64}\.png$/.test(name) ? name : null;
}

/** Turns a task's event log into what a person reads: words, actions (with their results), screenshots. */
export function buildTranscript(events: readonly TaskEvent[]): TranscriptItem[] {
  const items: TranscriptItem[] = [];
  let step = 0;
  let lastAction: Extract<TranscriptItem, { kind: "action" }> | null = null;
  for (const e of events) {
    const base = { seq: e.seq, at: e.at };
    const d = e.data;
    switch (e.kind) {
      case "assistant_text": {
        const text = str(d["text"]);
        if (text) items.push({ kind: "words", ...base, text });
        break;
      }
      case "action":
        step += 1;
        lastAction = { kind: "action", ...base, step, text: describeAction(d), result: null };
        items.push(lastAction);
        break;
      case "action_result":
        if (lastAction && !lastAction.result) lastAction.result = { ok: d["ok"] !== false, summary: str(d["summary"]) ?? str(d["error"]) ?? "" };
        break;
      case "screenshot": {
        const name = screenshotName(str(d["key"]) ?? "");
        if (name) items.push({ kind: "screenshot", ...base, name, step: num(d["step"]), width: num(d["width"]), height: num(d["height"]) });
        break;
      }
      case "status":
        items.push({ kind: "status", ...base, text: str(d["status"]) ?? str(d["to"]) ?? "status changed" });
        break;
      case "user_message":
        items.push({ kind: "human", ...base, who: str(d["by"]) ?? "you", text: str(d["text"]) ?? "" });
        break;
      case "help_request":
        items.push({ kind: "question", ...base, text: str(d["question"]) ?? "" });
        break;
      case "help_answer":
        items.push({ kind: "human", ...base, who: str(d["by"]) ?? str(d["answeredBy"]) ?? "answer", text: str(d["answer"]) ?? "(dismissed)" });
        break;
      case "cancel_requested":
        items.push({ kind: "status", ...base, text: `cancel requested${str(d["by"]) ? ` by ${str(d["by"])}` : ""}` });
        break;
      case "completed":
        items.push({ kind: "result", ...base, ok: true, text: str(d["result"]) ?? "Done." });
        break;
      case "failed": {
        const err = d["error"] as { message?: unknown } | undefined;
        items.push({ kind: "result", ...base, ok: false, text: str(err?.message) ?? "The agent reported failure." });
        break;
      }
      case "note":
        items.push({ kind: "log", ...base, level: "info", text: str(d["text"]) ?? "" });
        break;
      case "log": {
        const level = str(d["level"]) ?? "info";
        if (level === "warn" || level === "error") items.push({ kind: "log", ...base, level, text: str(d["message"]) ?? "" });
        break;
      }
      default:
        break;
    }
  }
  return items;
}

/** Merges a batch of events into an ordered, duplicate-free log (a reconnect replays from the last seq). */
export function mergeEvents(log: readonly TaskEvent[], incoming: readonly TaskEvent[]): TaskEvent[] {
  const last = log.at(-1)?.seq ?? 0;
  const fresh = incoming.filter((e) => e.seq > last);
  if (fresh.length === 0) return log as TaskEvent[];
  const all = [...log, ...fresh];
  all.sort((a, b) => a.seq - b.seq);
  return all.filter((e, i) => i === 0 || all[i - 1]!.seq !== e.seq);
}
