import { z } from "zod";
import { DesktopId, EpochMs, TaskId } from "./ids.ts";

// Live desktops: VNC relay tickets, screenshots, input and the takeover lease.

/** A one-time ticket a browser presents to open the VNC relay (it cannot set headers on a WebSocket). */
export const VncTicket = z.object({
  ticket: z.string(),
  expiresAt: EpochMs,
  /** Path of the relay WebSocket with the ticket filled in; prefix the origin with ws:// or wss://. */
  url: z.string(),
});
export type VncTicket = z.infer<typeof VncTicket>;

export const VncTicketValue = z.string().regex(/^dfv_[A-Za-z0-9_-]{43}$/, { message: "a VNC ticket looks like `dfv_…` (from POST /api/desktops/:id/vnc-ticket)" });
export const VncQuery = z.object({ ticket: VncTicketValue.optional() });

/** Screen pixels; the API speaks the desktop's real resolution, not a model's scaled space. */
const Coordinate = z.number().int().min(0).max(16_383);
const At = { x: Coordinate, y: Coordinate };

export const DesktopInput = z.discriminatedUnion("action", [
  z.strictObject({ action: z.literal("click"), ...At }),
  z.strictObject({ action: z.literal("double_click"), ...At }),
  z.strictObject({ action: z.literal("right_click"), ...At }),
  z.strictObject({ action: z.literal("move"), ...At }),
  z.strictObject({ action: z.literal("type"), text: z.string().min(1).max(5_000) }),
  z.strictObject({
    action: z.literal("key"),
    /** xdotool-style combo: "Return", "ctrl+l", "ctrl+shift+t". */
    keys: z.string().trim().min(1).max(100),
  }),
  z.strictObject({
    action: z.literal("scroll"),
    ...At,
    direction: z.enum(["up", "down", "left", "right"]),
    amount: z.number().int().min(1).max(50).default(3),
  }),
]);
export type DesktopInput = z.infer<typeof DesktopInput>;

export const ScreenshotQuery = z.strictObject({
  /** Scale to this width (keeping the aspect ratio); never upscales. */
  width: z.coerce.number().int().min(32).max(8_192).optional(),
});

export const InputResult = z.object({ ok: z.literal(true), action: z.string() });

/** Who holds a desktop's control lease: their viewer is interactive, every other viewer view-only. */
export const TakeoverLease = z.object({
  desktopId: DesktopId,
  holder: z.object({ id: z.string(), name: z.string() }),
  since: EpochMs,
  /** The lease ends after this much inactivity from the holder (re-armed by their input). */
  expiresAt: EpochMs,
  /** The task paused for the takeover, resumed on hand-back. */
  pausedTaskId: TaskId.nullable(),
});
export type TakeoverLease = z.infer<typeof TakeoverLease>;

export const TakeoverStatus = z.object({ lease: TakeoverLease.nullable() });

export const HandbackBody = z.strictObject({
  note: z.string().trim().max(2_000).optional(),
  /**
   * Save what the person did during the takeover as a demonstration: the next run of the schedule
   * replays it. `scheduleId` names the schedule; left out, the paused task's schedule.
   */
  demonstration: z.strictObject({ scheduleId: z.string().regex(/^sch_[0-9a-z]{10,40}$/, { message: "a schedule id looks like `sch_…`" }).optional() }).optional(),
}).optional();
export const HandbackResult = z.object({
  desktopId: DesktopId,
  resumedTaskId: TaskId.nullable(),
  /** The demonstration saved on hand-back, or why none was (nothing recorded). */
  demonstration: z.object({ saved: z.boolean(), scheduleId: z.string(), trajectoryId: z.string().nullable(), version: z.number().int().nullable(), steps: z.number().int(), reason: z.string().nullable() }).optional(),
});
export type HandbackResult = z.infer<typeof HandbackResult>;
