import type { CheckedHostEvent, EventBody, HostEvent, RefusedEvent } from "@deskfleet/protocol";
import { isTerminal, parseEventData } from "@deskfleet/protocol";
import type { HelpRow } from "../../db/help-requests.ts";
import { openRequest } from "./help-ledger.ts";
import { applyHostEvent } from "./lifecycle.ts";
import type { TaskRecord } from "./task-record.ts";

/** One host event as it will be stored: typed by its kind, with the host's sequence number. */
export type IngestedEvent = EventBody & { hostSeq: number; at: number };

export type Ingested = {
  record: TaskRecord;
  /** Questions not put to anyone (the task asked its limit already): the agent is told to proceed. */
  overLimit: string[];
  /** To store, in order; a refused event is here as the warning that takes its place. */
  events: IngestedEvent[];
  /** Help requests the agent opened in this batch. */
  asked: HelpRow[];
  /** Events whose data broke their kind's schema, and why: told to the host with the ack. */
  refused: RefusedEvent[];
};

/**
 * Applies a batch of host events to a task, in order. Events already stored
 * (by host sequence) are skipped; a gap stops the batch so the host resends.
 * Each event's data is checked against its kind's schema: an invalid one is
 * never stored half-parsed, but replaced by a warning that says what was
 * refused, so the sequence goes on and nothing is silently lost.
 */
export function ingestHostEvents(r: TaskRecord, batch: readonly HostEvent[], now: number, helpTimeoutMs: number, maxHelpRequests = DEFAULT_MAX_HELP_REQUESTS): Ingested {
  if (!RUNNING.has(r.status)) return notRunning(r, batch);
  let rec = r;
  const events: IngestedEvent[] = [];
  const asked: HelpRow[] = [];
  const refused: RefusedEvent[] = [];
  const overLimit: string[] = [];
  for (const raw of batch) {
    if (raw.seq <= rec.lastHostSeq) continue;
    if (raw.seq !== rec.lastHostSeq + 1) break;
    let event = checked(raw);
    if (!("kind" in event)) {
      refused.push({ seq: raw.seq, reason: event.reason });
      event = warning(raw, `refused an event from the host: ${event.reason}`);
    } else if (event.kind === "help_request") {
      const id = event.data.requestId;
      if (rec.helpRequests.some((h) => h.id === id) || asked.some((h) => h.id === id)) {
        // A repeated question must not leave the task waiting for an answer nobody can give.
        refused.push({ seq: raw.seq, reason: `help request ${id} was already asked` });
        event = warning(raw, `ignored a repeated help request (${id})`);
      } else if (rec.helpRequests.length + asked.length >= maxHelpRequests) {
        // An agent that keeps asking (or was talked into it by a page) must not flood people.
        refused.push({ seq: raw.seq, reason: `help request ${id} not asked: this task already asked ${maxHelpRequests} questions` });
        event = warning(raw, `did not ask a person (${id}): the task reached its limit of ${maxHelpRequests} questions; the agent was told to proceed`);
        overLimit.push(id);
      } else if (!isTerminal(rec.status)) {
        asked.push(openRequest(rec.id, rec.desktopId, event.data, rec.lastScreenshotKey, now, helpTimeoutMs));
      }
    }
    if (event.kind === "screenshot") rec = { ...rec, lastScreenshotKey: event.data.key };
    rec = { ...applyHostEvent(rec, event, now), lastHostSeq: event.seq, lastActivityAt: now };
    events.push({ kind: event.kind, data: event.data, hostSeq: event.seq, at: event.at } as IngestedEvent);
  }
  // Events already in flight when a person took over (or the fleet held the task) must not resume the agent behind their back.
  if (rec.pausedFor && rec.status === "running") rec = { ...rec, status: "waiting_for_human" };
  if (events.length > 0) rec = { ...rec, helpRequests: [...rec.helpRequests, ...asked], pendingDeliveries: [] };
  return { record: rec, events, asked, refused, overLimit };
}

export const DEFAULT_MAX_HELP_REQUESTS = 20;

/** The statuses in which the task runs on its desktop: the only ones whose host may add events. */
const RUNNING = new Set<TaskRecord["status"]>(["assigned", "running", "waiting_for_human"]);

/**
 * A host still sending for a task it no longer runs (it ended, or waits in the queue for a
 * follow-up) stores nothing: the events are acknowledged, so it stops resending them, and refused.
 */
function notRunning(r: TaskRecord, batch: readonly HostEvent[]): Ingested {
  const fresh = batch.filter((e) => e.seq > r.lastHostSeq);
  const last = Math.max(r.lastHostSeq, ...fresh.map((e) => e.seq));
  const reason = `task ${r.id} is ${r.status}, not running on this desktop; events for it are not stored`;
  return { record: { ...r, lastHostSeq: last }, events: [], asked: [], refused: fresh.map((e) => ({ seq: e.seq, reason })).slice(0, 500), overLimit: [] };
}

function checked(raw: HostEvent): CheckedHostEvent | { reason: string } {
  const parsed = parseEventData(raw.kind, raw.data);
  if (!parsed.ok) return { reason: parsed.reason };
  return { seq: raw.seq, kind: raw.kind, at: raw.at, data: parsed.data } as CheckedHostEvent;
}

function warning(raw: HostEvent, message: string): CheckedHostEvent {
  return { seq: raw.seq, kind: "log", at: raw.at, data: { level: "warn", message } };
}
