import { OpenAPIHono, z } from "@hono/zod-openapi";
import { TaskId } from "@deskfleet/protocol";
import type { AppEnv } from "../app-env.ts";
import { jsonContent, secureRoute } from "../http/route.ts";
import { ApiError, notFound } from "../../domain/api-error.ts";
import { validationHook } from "../http/errors.ts";
import { visibleTask } from "../http/visible.ts";
import { getTaskRow } from "../../db/tasks.ts";
import { screenshotKey } from "../../domain/screenshot-keys.ts";
import { enforceLimit } from "../http/rate-limits.ts";
import { errorResponse } from "../http/route.ts";

/** A host stores screenshots only for the task it runs now, never for one it once ran. */
const RUNNING = new Set(["assigned", "running", "waiting_for_human"]);

export const MAX_SCREENSHOT_BYTES = 8 * 1024 * 1024;
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const Name = z.string().regex(/^[0-9a-z-]{8,64}\.png$/, { message: "a screenshot name looks like `<time>-<random>.png`" });

async function readPng(req: Request): Promise<Uint8Array> {
  if ((req.headers.get("content-type") ?? "").split(";")[0]?.trim() !== "image/png") {
    throw new ApiError(415, "unsupported_media_type", "send the screenshot as `content-type: image/png`");
  }
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > MAX_SCREENSHOT_BYTES) throw new ApiError(413, "payload_too_large", `screenshots are limited to ${MAX_SCREENSHOT_BYTES / 1024 / 1024} MiB`);
  const bytes = new Uint8Array(await req.arrayBuffer());
  if (bytes.length > MAX_SCREENSHOT_BYTES) throw new ApiError(413, "payload_too_large", `screenshots are limited to ${MAX_SCREENSHOT_BYTES / 1024 / 1024} MiB`);
  if (bytes.length < 33 || PNG_SIGNATURE.some((b, i) => bytes[i] !== b)) throw new ApiError(422, "invalid_png", "the body is not a PNG image");
  return bytes;
}

export const screenshots = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(
    secureRoute("host", {
      method: "post",
      path: "/api/hosts/tasks/{id}/screenshots",
      summary: "A host stores a screenshot of the task it runs now (PNG body); returns its key for a `screenshot` event",
      request: { params: z.object({ id: TaskId }) },
      responses: { 201: jsonContent(z.object({ key: z.string(), bytes: z.number() }), "Stored"), 429: errorResponse("Too many screenshots for this task; wait and retry") },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const task = await getTaskRow(c.env.DB, id);
      const desktopId = c.var.identity.id.replace(/^host:/, "");
      if (!task || task.desktopId !== desktopId) throw new ApiError(403, "not_your_task", `task ${id} is not assigned to desktop ${desktopId}`);
      if (!RUNNING.has(task.status)) throw new ApiError(403, "not_your_task", `task ${id} is ${task.status}, not running on desktop ${desktopId}; screenshots are stored only for the task a host runs now`);
      await enforceLimit(c.env, "LIMIT_TASK_SCREENSHOTS", id);
      const png = await readPng(c.req.raw);
      const name = `${Date.now().toString(36)}-${crypto.randomUUID().slice(0, 8)}.png`;
      const key = screenshotKey(id, name);
      await c.env.SCREENSHOTS.put(key, png, { httpMetadata: { contentType: "image/png" }, customMetadata: { taskId: id, desktopId } });
      return c.json({ key, bytes: png.length }, 201);
    },
  )
  .openapi(
    secureRoute("viewer", {
      method: "get",
      path: "/api/tasks/{id}/screenshots/{name}",
      summary: "A stored screenshot of a task (PNG)",
      request: { params: z.object({ id: TaskId, name: Name }) },
      responses: { 200: { description: "The PNG", content: { "image/png": { schema: z.any() } } } },
    }),
    async (c) => {
      const { id, name } = c.req.valid("param");
      await visibleTask(c.env, c.var.identity, id);
      const obj = await c.env.SCREENSHOTS.get(screenshotKey(id, name));
      if (!obj) throw notFound("screenshot", `${id}/${name}`);
      return new Response(obj.body, { headers: { "content-type": "image/png", "cache-control": "private, max-age=31536000, immutable" } });
    },
  );
