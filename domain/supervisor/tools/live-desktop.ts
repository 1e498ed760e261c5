import { z } from "zod";
import { DesktopId, type DesktopInput, type DesktopResponseMessage } from "@deskfleet/protocol";
import { getDesktop } from "../../../db/desktops.ts";
import { desktopObject } from "../../addresses.ts";
import { ApiError, notFound } from "../../api-error.ts";
import { json, tool, type ToolContext } from "./tool.ts";

type DesktopResult = DesktopResponseMessage["result"];

/** Screenshots go to the model at most this wide (it sees no more detail, and images cost tokens). */
export const MODEL_IMAGE_WIDTH = 1280;
const MAX_BASE64 = 5_000_000;

/**
 * The image the model sees and how it maps to the screen. Derived from the
 * desktop's reported screen size alone, so click coordinates map back the
 * same way without remembering the last screenshot.
 */
export function imageGeometry(screen: { width: number; height: number } | null): { width: number | undefined; scale: number } {
  if (!screen || screen.width <= MODEL_IMAGE_WIDTH) return { width: undefined, scale: 1 };
  return { width: MODEL_IMAGE_WIDTH, scale: screen.width / MODEL_IMAGE_WIDTH };
}

async function geometry(ctx: ToolContext, desktopId: string) {
  const row = await getDesktop(ctx.env.DB, desktopId);
  if (!row) throw notFound("desktop", desktopId);
  const screen = (row.capabilities as { screen?: { width: number; height: number } } | null)?.screen ?? null;
  return { screen, ...imageGeometry(screen) };
}

function check(result: DesktopResult, desktopId: string): asserts result is Extract<DesktopResult, { ok: true }> {
  if (result.ok) return;
  const hint =
    result.error.code === "desktop_taken_over"
      ? "; wait until the person hands it back"
      : result.error.code === "host_unavailable" || result.error.code === "desktop_unreachable"
        ? `; check get_desktop ${desktopId}`
        : "";
  throw new ApiError(409, result.error.code, `${result.error.message}${hint}`);
}

async function send(ctx: ToolContext, desktopId: string, input: DesktopInput) {
  const result = (await desktopObject(ctx.env, desktopId).input(desktopId, { id: ctx.actor, name: "Supervisor" }, input)) as DesktopResult;
  check(result, desktopId);
  return json({ done: input.action, desktopId, note: "take a screenshot to see the effect" });
}

const At = {
  desktopId: DesktopId,
  x: z.number().int().min(0).max(16_383).describe("x in the coordinates of the last screenshot image"),
  y: z.number().int().min(0).max(16_383).describe("y in the coordinates of the last screenshot image"),
};

const toScreen = (v: number, scale: number) => Math.round(v * scale);

const INPUT = { class: "desktop_input" } as const;

export const liveDesktopTools = [
  tool({
    name: "screenshot_desktop",
    description: "See a desktop's screen now (the image). Coordinates for click and scroll are in this image's pixels.",
    input: z.strictObject({ desktopId: DesktopId }),
    effect: "read",
    run: async (ctx, { desktopId }) => {
      const g = await geometry(ctx, desktopId);
      const result = (await desktopObject(ctx.env, desktopId).screenshot(desktopId, g.width)) as DesktopResult;
      check(result, desktopId);
      if (!result.png) throw new ApiError(502, "no_image", "the desktop answered without an image; try again");
      if (result.png.length > MAX_BASE64) throw new ApiError(422, "image_too_large", "the screenshot is too large to look at");
      const size = g.screen ? `screen ${g.screen.width}×${g.screen.height}${g.scale !== 1 ? `, image scaled by 1/${g.scale.toFixed(3)}` : ""}` : "screen size unknown";
      return { content: [{ type: "text", text: `${desktopId} now (${size})` }, { type: "image", source: { type: "base64", media_type: "image/png", data: result.png } }] };
    },
  }),
  tool({
    name: "click",
    description: "Click on a desktop at a point of the last screenshot. Prefer giving the task to an agent (create_task) for anything longer than a few actions.",
    input: z.strictObject({ ...At, button: z.enum(["left", "right", "double"]).optional().describe("Default left") }),
    effect: INPUT,
    run: async (ctx, { desktopId, x, y, button }) => {
      const { scale } = await geometry(ctx, desktopId);
      const action = button === "right" ? "right_click" : button === "double" ? "double_click" : "click";
      return send(ctx, desktopId, { action, x: toScreen(x, scale), y: toScreen(y, scale) });
    },
  }),
  tool({
    name: "type_text",
    description: "Type text on a desktop (into whatever has focus).",
    input: z.strictObject({ desktopId: DesktopId, text: z.string().min(1).max(5_000) }),
    effect: INPUT,
    run: async (ctx, { desktopId, text }) => send(ctx, desktopId, { action: "type", text }),
  }),
  tool({
    name: "press_key",
    description: 'Press a key or combination on a desktop, xdotool style: "Return", "Escape", "ctrl+l", "ctrl+shift+t".',
    input: z.strictObject({ desktopId: DesktopId, keys: z.string().trim().min(1).max(100) }),
    effect: INPUT,
    run: async (ctx, { desktopId, keys }) => send(ctx, desktopId, { action: "key", keys }),
  }),
  tool({
    name: "scroll",
    description: "Scroll on a desktop at a point of the last screenshot.",
    input: z.strictObject({ ...At, direction: z.enum(["up", "down", "left", "right"]), amount: z.number().int().min(1).max(50).optional().describe("Wheel clicks, default 3") }),
    effect: INPUT,
    run: async (ctx, { desktopId, x, y, direction, amount }) => {
      const { scale } = await geometry(ctx, desktopId);
      return send(ctx, desktopId, { action: "scroll", x: toScreen(x, scale), y: toScreen(y, scale), direction, amount: amount ?? 3 });
    },
  }),
];
