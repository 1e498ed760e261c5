import type { EventData, TaskEvent } from "@deskfleet/protocol";

export type TranscriptItem =
  | { kind: "words"; seq: number; at: number; text: string }
  | { kind: "action"; seq: number; at: number; step: number; text: string; result: { ok: boolean; summary: string } | null }
  | { kind: "screenshot"; seq: number; at: number; name: string; step: number | null; width: number | null; height: number | null }
  | { kind: "status"; seq: number; at: number; text: string }
  | { kind: "human"; seq: number; at: number; who: string; text: string }
  | { kind: "question"; seq: number; at: number; text: string; secret: boolean }
  | { kind: "secret"; seq: number; at: number; text: string }
  | { kind: "result"; seq: number; at: number; ok: boolean; text: string }
  | { kind: "log"; seq: number; at: number; level: string; text: string }
  /** A use of a tool beyond the screen (shell, files, browser, web, MCP), with its output when it has one. */
  | { kind: "tool"; seq: number; at: number; step: number; tool: string; text: string; ok: boolean; output: string | null; fileId: string | null };

type Action = EventData<"action">;

/** `left_click at (512, 300)`, `type "hello"`, `key ctrl+l`, `scroll down ×3 at (640, 400)`… as the host's `action` event says it. */
export function describeAction(action: Action): string {
  const { name, input } = action;
  const parts = [name];
  if (input.start_coordinate) parts.push(`from (${input.start_coordinate.join(", ")})`);
  if (input.coordinate) parts.push(`${input.start_coordinate ? "to" : "at"} (${input.coordinate.join(", ")})`);
  if (input.text !== undefined) {
    if (name === "type") parts.push(JSON.stringify(input.text.length > 80 ? `${input.text.slice(0, 80)}…` : input.text));
    else if (name === "key" || name === "hold_key") parts.push(input.text);
    else parts.push(`holding ${input.text}`);
  }
  if (input.repeat !== undefined && input.repeat > 1) parts.push(`×${input.repeat}`);
  if (input.scroll_direction) parts.push(`${input.scroll_direction}${input.scroll_amount ? ` ×${input.scroll_amount}` : ""}`);
  if (input.region) parts.push(`region (${input.region.join(", ")})`);
  if (input.duration !== undefined) parts.push(`${input.duration} s`);
  if (input.question !== undefined) parts.push(JSON.stringify(input.question));
  if (input.secret) parts.push("(secret answer)");
  if (input.name !== undefined) parts.push(`\`${input.name}\``);
  if (input.field !== undefined) parts.push(`into ${input.field}`);
  if (action.reason === "startUrl") parts.push("(opening the start page)");
  if (action.replay === "replayed") parts.push("— replayed");
  else if (action.replay === "moved") parts.push(`— replayed, target moved${action.moved ? ` (${signed(action.moved.dx)}, ${signed(action.moved.dy)} px)` : ""}`);
  else if (action.replay === "repaired") parts.push("— by the model, repairing the replay");
  return parts.join(" ");
}

const signed = (n: number) => (n > 0 ? `+${n}` : String(n));
const dollars = (n: number) => `$${n < 0.01 && n > 0 ? n.toFixed(4) : n.toFixed(2)}`;

/** "replayed 18 of 20 steps (1 moved), model for 2, $0.03 instead of ~$0.41", and where it stopped matching. */
export function replaySummaryText(r: EventData<"replay">): string {
  const moved = r.stepsMoved > 0 ? ` (${r.stepsMoved} moved)` : "";
  const model = r.modelSteps > 0 || r.modelCalls > 0 ? `, model for ${r.modelSteps} (${r.modelCalls} call${r.modelCalls === 1 ? "" : "s"})` : ", no model call";
  const where = r.mismatch ? `; ${r.mismatchStep !== null ? `step ${r.mismatchStep} no longer matched` : "the end did not match"}: ${r.mismatch}` : "";
  const outcome = r.outcome === "failed" ? " — the run failed" : "";
  return `replayed ${r.stepsReplayed} of ${r.stepsTotal} steps${moved}${model}, ${dollars(r.costUsd)} instead of ~${dollars(r.modelCostUsd)} (trajectory v${r.version})${where}${outcome}`;
}

type ToolEvent = Extract<TaskEvent, { kind: "command" | "file_write" | "file_transfer" | "browser" | "web_fetch" | "mcp_call" }>;

const kb = (bytes: number): string => (bytes < 1024 ? `${bytes} B` : bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`);

/** One line for a tool event: `$ sort a.csv → exit 0 (12 ms, 40 B)`, `wrote notes.txt (1.2 KB)`, `sent report.csv (3 KB)`… */
export function describeToolEvent(e: ToolEvent): { tool: string; text: string; ok: boolean; output: string | null; fileId: string | null } {
  const base = { output: null, fileId: null };
  switch (e.kind) {
    case "command": {
      const end = e.data.ending === "exited" ? (e.data.exitCode === null ? "shell exited" : `exit ${e.data.exitCode}`) : e.data.ending.replace("_", " ");
      // Which vault variables the shell held, by name: the values never reach the dashboard.
      const vars = e.data.env?.length ? ` with ${e.data.env.map((v) => `$${v}`).join(", ")} from the vault` : "";
      const text = e.data.ending === "restarted" ? "restarted the shell" : `$ ${e.data.command} → ${end} (${e.data.durationMs} ms, ${kb(e.data.outputBytes)})${vars}`;
      return { ...base, tool: "shell", text, ok: e.data.ending !== "timed_out" && e.data.ending !== "cancelled" && (e.data.exitCode ?? 0) === 0, output: e.data.output || null };
    }
    case "file_write":
      return { ...base, tool: "files", text: `${e.data.op === "create" ? "wrote" : e.data.op === "insert" ? "inserted into" : "edited"} ${e.data.path} (${kb(e.data.bytes)})`, ok: true };
    case "file_transfer":
      return { ...base, tool: "files", text: `${e.data.direction === "in" ? "downloaded the attachment" : "sent"} ${e.data.name} (${kb(e.data.bytes)})`, ok: true, fileId: e.data.fileId ?? null };
    case "browser": {
      const tab = e.data.tab ? ` — tab ${e.data.tab.index}: ${e.data.tab.title || e.data.tab.url}` : "";
      return { ...base, tool: "browser", text: `${e.data.op.replace(/_/g, " ")}${e.data.target ? ` ${e.data.target}` : ""}${tab}`, ok: e.data.ok };
    }
    case "web_fetch":
      return { ...base, tool: "web", text: `fetched ${e.data.url} → ${e.data.status ?? "no answer"} (${kb(e.data.bytes)}, ${e.data.durationMs} ms)${e.data.error ? `: ${e.data.error}` : ""}`, ok: e.data.ok };
    case "mcp_call":
      return { ...base, tool: `mcp:${e.data.server}`, text: `${e.data.server}.${e.data.tool} (${kb(e.data.bytes)}, ${e.data.durationMs} ms)`, ok: e.data.ok };
  }
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
    switch (e.kind) {
      case "assistant_text":
        items.push({ kind: "words", ...base, text: e.data.text });
        break;
      case "action":
        step += 1;
        lastAction = { kind: "action", ...base, step, text: describeAction(e.data), result: null };
        items.push(lastAction);
        break;
      case "action_result":
        if (lastAction && !lastAction.result) lastAction.result = { ok: e.data.ok, summary: e.data.summary || e.data.error || "" };
        break;
      case "screenshot": {
        const name = screenshotName(e.data.key);
        if (name) items.push({ kind: "screenshot", ...base, name, step: e.data.step, width: e.data.width, height: e.data.height });
        break;
      }
      case "status":
        items.push({ kind: "status", ...base, text: statusText(e.data) });
        break;
      case "user_message":
        items.push({ kind: "human", ...base, who: e.data.by, text: e.data.text });
        break;
      case "help_request":
        items.push({ kind: "question", ...base, text: e.data.question, secret: e.data.secret ?? false });
        break;
      case "secret_typed":
        items.push({ kind: "secret", ...base, text: secretTypedText(e.data) });
        break;
      case "help_answer":
        items.push({ kind: "human", ...base, who: e.data.by ?? "answer", text: e.data.answer ?? `(${e.data.status.replace("_", " ")})` });
        break;
      case "cancel_requested":
        items.push({ kind: "status", ...base, text: `cancel requested by ${e.data.by}${e.data.reason ? `: ${e.data.reason}` : ""}` });
        break;
      case "completed":
        items.push({ kind: "result", ...base, ok: true, text: e.data.result || "Done." });
        break;
      case "failed":
        items.push({ kind: "result", ...base, ok: false, text: e.data.error.message });
        break;
      case "note":
        items.push({ kind: "log", ...base, level: "info", text: e.data.text });
        break;
      case "replay":
        items.push({ kind: "status", ...base, text: replaySummaryText(e.data) });
        break;
      case "log":
        if (e.data.level === "warn" || e.data.level === "error") items.push({ kind: "log", ...base, level: e.data.level, text: e.data.message });
        break;
      case "command":
      case "file_write":
      case "file_transfer":
      case "browser":
      case "web_fetch":
      case "mcp_call": {
        const d = describeToolEvent(e);
        // The action that ran this tool only named it; the tool's own event says what it did, in its place.
        const replaces = lastAction !== null && lastAction.text === toolActionName(e) && items.at(-1) === lastAction;
        if (replaces) items.pop();
        items.push({ kind: "tool", ...base, step: replaces ? lastAction!.step : step, ...d });
        break;
      }
      case "started":
      case "usage":
        break;
    }
  }
  return items;
}

/** The name the model called a tool event's tool by. */
function toolActionName(e: ToolEvent): string {
  switch (e.kind) {
    case "command": return "bash";
    case "file_write": return "str_replace_based_edit_tool";
    case "file_transfer": return "send_file";
    case "browser": return "browser";
    case "web_fetch": return "web_fetch";
    case "mcp_call": return `mcp__${e.data.server}__${e.data.tool.replace(/[^a-zA-Z0-9_-]/g, "_")}`;
  }
}

/** `typed secret \`github\` (17 characters) into password`: what was typed, never the value. */
export function secretTypedText(d: EventData<"secret_typed">): string {
  const what = d.source === "help_answer" ? `the secret answer \`${d.name}\`` : `secret \`${d.name}\``;
  return `typed ${what} (${d.characters} characters)${d.field ? ` into ${d.field}` : ""}`;
}

/** `running`, `waiting_for_human (takeover by ana)`, `queued (follow-up)`… */
function statusText(d: EventData<"status">): string {
  const why = [d.reason, d.by ? `by ${d.by}` : null, d.desktopId ? `on ${d.desktopId}` : null].filter(Boolean).join(" ");
  return why ? `${d.status} (${why})` : d.status;
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
