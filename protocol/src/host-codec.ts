import type { z } from "zod";
import { HostMessage, ServerMessage, type HostMessageInput } from "./host-protocol.ts";

/**
 * The one codec of the control channel between a desktop host and its
 * DesktopDO, used at both ends. A message is one JSON object per frame, in a
 * text frame (a binary frame's bytes are read as UTF-8 text), checked
 * against its zod schema on the way in. Encoding is typed, not re-validated:
 * the sender's types come from the same schemas.
 */

/** Why a frame was not a message: not JSON at all, or JSON the schema refuses. */
export type DecodeFailure = { ok: false; code: "bad_json" | "bad_message"; reason: string };
export type Decoded<M> = { ok: true; message: M } | DecodeFailure;
export type Frame = string | ArrayBuffer;

// ---- DesktopDO's end: host messages in, server messages out

export function decodeHostMessage(raw: Frame): Decoded<HostMessage> {
  return decode(HostMessage, raw);
}

export function encodeServerMessage(message: ServerMessage): string {
  return JSON.stringify(message);
}

// ---- the host's end: server messages in, host messages out

export function decodeServerMessage(raw: Frame): Decoded<ServerMessage> {
  return decode(ServerMessage, raw);
}

export function encodeHostMessage(message: HostMessageInput): string {
  return JSON.stringify(message);
}

/**
 * An `events` message built from events already encoded one by one: the host
 * keeps each event's JSON until it is acknowledged and resends it as is.
 * Every item must be the JSON of a HostEvent.
 */
export function encodeEventsMessage(taskId: string, encodedEvents: readonly string[]): string {
  return `{"type":"events","taskId":${JSON.stringify(taskId)},"events":[${encodedEvents.join(",")}]}`;
}

function decode<S extends z.ZodType>(schema: S, raw: Frame): Decoded<z.output<S>> {
  let json: unknown;
  try {
    json = JSON.parse(typeof raw === "string" ? raw : new TextDecoder().decode(raw));
  } catch {
    return { ok: false, code: "bad_json", reason: "messages must be JSON text" };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, message: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, code: "bad_message", reason: `invalid message: ${issue?.path.join(".") || "(root)"}: ${issue?.message}` };
}
