import { UserEntryData, type EntryAttachment, type ProposalEntryData, type SupervisorEntry } from "@deskfleet/protocol";
import { proposalEntryData } from "../approvals/entry-data.ts";
import { screenshotUrl } from "../tasks/types.ts";

/** What a person reads in the chat: words, questions, compact tool rows and screenshots. */
export type ChatItem =
  /** `files`: what the person sent with it (a Telegram photo, a PDF), served by the API's authenticated file route. */
  | { kind: "person"; seq: number; at: number; who: string; text: string; edited: boolean; files: EntryAttachment[] }
  | { kind: "supervisor"; seq: number; at: number; text: string }
  | { kind: "question"; seq: number; at: number; text: string }
  | { kind: "tool"; seq: number; at: number; name: string; summary: string; input: string; result: { ok: boolean; text: string } | null; proposed?: boolean }
  | { kind: "screenshot"; seq: number; at: number; src: string; caption: string }
  | { kind: "notice"; seq: number; at: number; text: string; error: boolean }
  /** A write the supervisor proposed instead of making; its decision folds into the same item. */
  | { kind: "proposal"; seq: number; at: number; proposal: ProposalEntryData };

const str = (v: unknown): string | null => (typeof v === "string" ? v : null);

const cut = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** `prompt "Export the report", desktopId mac-studio`: the first few inputs, each short, so a row stays one line. */
export function summarizeInput(input: unknown): string {
  if (input === null || typeof input !== "object" || Array.isArray(input)) return "";
  const parts = Object.entries(input as Record<string, unknown>)
    .filter(([, v]) => v !== undefined && v !== null)
    .slice(0, 3)
    .map(([k, v]) => `${k} ${typeof v === "string" ? JSON.stringify(cut(v, 48)) : cut(JSON.stringify(v), 48)}`);
  return cut(parts.join(", "), 140);
}

/** Merges entries by sequence number: the transcript, a refetch and the live feed overlap after a reconnect. */
export function mergeEntries(log: readonly SupervisorEntry[], incoming: readonly SupervisorEntry[]): SupervisorEntry[] {
  const bySeq = new Map(log.map((e) => [e.seq, e]));
  let changed = false;
  for (const e of incoming) {
    if (bySeq.has(e.seq)) continue;
    bySeq.set(e.seq, e);
    changed = true;
  }
  if (!changed) return log as SupervisorEntry[];
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/** Folds each tool result into the row of its call, so one tool use reads as one line. */
export function buildChat(entries: readonly SupervisorEntry[]): ChatItem[] {
  const items: ChatItem[] = [];
  const callsById = new Map<string, Extract<ChatItem, { kind: "tool" }>>();
  const proposalsById = new Map<string, Extract<ChatItem, { kind: "proposal" }>>();
  for (const e of entries) {
    const base = { seq: e.seq, at: e.at };
    const d = e.data ?? {};
    switch (e.kind) {
      case "user": {
        const data = UserEntryData.safeParse(d);
        items.push({ kind: "person", ...base, who: str(d["by"]) ?? "you", text: e.text, edited: data.success && data.data.edited === true, files: data.success ? (data.data.attachments ?? []) : [] });
        break;
      }
      case "assistant":
      case "message":
        items.push({ kind: "supervisor", ...base, text: e.text });
        break;
      case "question":
        items.push({ kind: "question", ...base, text: e.text });
        break;
      case "tool_call": {
        const name = str(d["name"]) ?? e.text.split(" ")[0] ?? "tool";
        const row: Extract<ChatItem, { kind: "tool" }> = {
          kind: "tool",
          ...base,
          name,
          summary: summarizeInput(d["input"]),
          input: d["input"] === undefined ? e.text.slice(name.length).trim() : JSON.stringify(d["input"], null, 2),
          result: null,
        };
        const id = str(d["toolUseId"]);
        if (id) callsById.set(id, row);
        items.push(row);
        break;
      }
      case "tool_result": {
        const call = callsById.get(str(d["toolUseId"]) ?? "");
        const result = { ok: d["isError"] !== true, text: e.text };
        // A result without its call (e.g. a task this chat started has finished) stands on its own.
        if (call && !call.result) call.result = result;
        else items.push({ kind: "tool", ...base, name: str(d["name"]) ?? "tool", summary: "", input: "", result });
        break;
      }
      case "screenshot": {
        const taskId = str(d["taskId"]);
        const name = str(d["name"]);
        if (taskId && name) items.push({ kind: "screenshot", ...base, src: screenshotUrl(taskId, name), caption: e.text });
        break;
      }
      case "notice":
        items.push({ kind: "notice", ...base, text: e.text, error: false });
        break;
      case "proposal": {
        const data = proposalEntryData(e.data);
        if (!data) break;
        const earlier = proposalsById.get(data.proposalId);
        if (earlier) earlier.proposal = { ...data, toolUseId: earlier.proposal.toolUseId };
        else {
          // The call it held back reads as waiting for approval, not as done.
          const call = callsById.get(data.toolUseId ?? "");
          if (call) call.proposed = true;
          const item = { kind: "proposal" as const, ...base, proposal: data };
          proposalsById.set(data.proposalId, item);
          items.push(item);
        }
        break;
      }
      case "error":
        items.push({ kind: "notice", ...base, text: e.text, error: true });
        break;
    }
  }
  return items;
}

/** The first line of a tool result, short enough for its row. */
export const resultLine = (text: string): string => cut(text.split("\n")[0] ?? "", 120);
