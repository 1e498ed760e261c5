import type { ImageBlockParam } from "@anthropic-ai/sdk/resources/messages/messages";
import { lastEvents } from "../../../db/task-chains.ts";
import { ApiError } from "../../api-error.ts";

/** The API refuses images over 5 MB of base64; stay clear of it. */
const MAX_IMAGE_BYTES = 3_700_000;

/** A task's newest screenshot, from its recent `screenshot` events. */
export async function latestScreenshot(env: Env, taskId: string): Promise<{ key: string; name: string } | null> {
  const events = await lastEvents(env.DB, taskId, 300);
  for (const e of events.toReversed()) {
    if (e.kind === "screenshot" && e.data.key.startsWith(`tasks/${taskId}/`)) return { key: e.data.key, name: e.data.key.slice(e.data.key.lastIndexOf("/") + 1) };
  }
  return null;
}

export async function screenshotImage(env: Env, key: string): Promise<ImageBlockParam> {
  const obj = await env.SCREENSHOTS.get(key);
  if (!obj) throw new ApiError(404, "not_found", `the screenshot ${key} is gone from storage`);
  const bytes = new Uint8Array(await obj.arrayBuffer());
  if (bytes.length > MAX_IMAGE_BYTES) throw new ApiError(422, "image_too_large", `the screenshot is ${bytes.length} bytes, too large to look at`);
  return { type: "image", source: { type: "base64", media_type: "image/png", data: Buffer.from(bytes).toString("base64") } };
}
