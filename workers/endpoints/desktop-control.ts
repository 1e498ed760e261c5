import { OpenAPIHono, z } from "@hono/zod-openapi";
import { DesktopId, DesktopInput, DesktopResourcesResponse, HandbackBody, HandbackResult, InputResult, ScreenshotQuery, TakeoverLease, TakeoverStatus } from "@deskfleet/protocol";
import type { AppEnv } from "../app-env.ts";
import { conflictResponse, errorResponse, jsonBody, jsonContent, secureRoute } from "../http/route.ts";
import { ApiError, notFound, unwrap } from "../../domain/api-error.ts";
import { validationHook } from "../http/errors.ts";
import { getDesktop } from "../../db/desktops.ts";
import { audit } from "../../db/audit.ts";
import { desktopObject } from "../../domain/addresses.ts";
import { recordGrant } from "../../domain/access/revocation.ts";
import { grantOf } from "../auth/identity.ts";
import { enforceLimit } from "../http/rate-limits.ts";
import type { DesktopResult } from "../../durable-objects/desktop/pending-requests.ts";

const DesktopParam = z.object({ id: DesktopId });

async function requireDesktop(env: Env, id: string): Promise<void> {
  if (!(await getDesktop(env.DB, id))) throw notFound("desktop", id);
}

/** A failed screenshot or input, as the API error a caller can act on. */
function failure(result: Extract<DesktopResult, { ok: false }>): ApiError {
  const { code, message } = result.error;
  if (code === "invalid_input" || code === "invalid-key") return new ApiError(422, "invalid_input", message);
  if (code === "desktop_taken_over") return new ApiError(409, code, message);
  if (code === "host_timeout") return new ApiError(504, code, message);
  if (code === "desktop_unreachable" || code === "host_unavailable") return new ApiError(409, code, message);
  return new ApiError(502, code, message);
}

function fromBase64(s: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(s), (ch) => ch.charCodeAt(0));
}

export const desktopControl = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(
    secureRoute("viewer", {
      method: "get",
      path: "/api/desktops/{id}/screenshot",
      summary: "The desktop's screen now, as PNG (from its host, or straight from its VNC server)",
      request: { params: DesktopParam, query: ScreenshotQuery },
      responses: {
        200: { description: "PNG", content: { "image/png": { schema: z.string().openapi({ format: "binary" }) } } },
        ...conflictResponse("The desktop has no host connected and no VNC URL, or its host went away"),
        429: errorResponse("Too many screenshots; wait and retry"),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { width } = c.req.valid("query");
      await requireDesktop(c.env, id);
      await enforceLimit(c.env, "LIMIT_SCREENSHOTS", c.var.identity.id);
      const result = await desktopObject(c.env, id).screenshot(id, width);
      if (!result.ok) throw failure(result);
      if (!result.png) throw new ApiError(502, "no_image", "the desktop answered without an image");
      return new Response(fromBase64(result.png), { headers: { "content-type": "image/png", "cache-control": "no-store" } });
    },
  )
  .openapi(
    secureRoute("operator", {
      method: "post",
      path: "/api/desktops/{id}/input",
      summary: "Click, move, type, press keys or scroll on the desktop (screen pixels)",
      request: { params: DesktopParam, body: jsonBody(DesktopInput) },
      responses: {
        200: jsonContent(InputResult, "Done"),
        ...conflictResponse("Someone else has taken over the desktop, or it cannot be reached"),
        429: errorResponse("Too many input requests; wait and retry"),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const input = c.req.valid("json");
      await requireDesktop(c.env, id);
      await enforceLimit(c.env, "LIMIT_INPUT", c.var.identity.id);
      const who = c.var.identity;
      const result = await desktopObject(c.env, id).input(id, { id: who.id, name: who.name }, input);
      if (!result.ok) throw failure(result);
      return c.json({ ok: true as const, action: input.action }, 200);
    },
  )
  .openapi(
    secureRoute("viewer", {
      method: "get",
      path: "/api/desktops/{id}/resources",
      summary: "CPU and memory the desktop uses, as its host last measured them (every heartbeat, ~10 s)",
      request: { params: DesktopParam },
      responses: { 200: jsonContent(DesktopResourcesResponse, "The latest figures, or null when no host reports them") },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await requireDesktop(c.env, id);
      return c.json(await desktopObject(c.env, id).resources(id), 200);
    },
  )
  .openapi(
    secureRoute("viewer", {
      method: "get",
      path: "/api/desktops/{id}/takeover",
      summary: "Who holds the desktop's control lease, if anyone",
      request: { params: DesktopParam },
      responses: { 200: jsonContent(TakeoverStatus, "The lease, or null") },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await requireDesktop(c.env, id);
      return c.json({ lease: await desktopObject(c.env, id).takeoverStatus(id) }, 200);
    },
  )
  .openapi(
    secureRoute("operator", {
      method: "post",
      path: "/api/desktops/{id}/takeover",
      summary: "Take over: your viewers become interactive, others stay view-only, and the running task pauses",
      request: { params: DesktopParam },
      responses: { 200: jsonContent(TakeoverLease, "You hold the lease"), ...conflictResponse("Someone else holds it") },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await requireDesktop(c.env, id);
      const who = c.var.identity;
      const grant = grantOf(who);
      // Revoking the credential or session it was taken with ends the lease.
      await recordGrant(c.env, grant, `desktop:${id}`);
      const lease = unwrap(await desktopObject(c.env, id).takeOver(id, { id: who.id, name: who.name, keys: grant.keys }));
      await audit(c.env.DB, { actor: who.id, action: "desktop.takeover", targetType: "desktop", targetId: id, details: { pausedTaskId: lease.pausedTaskId } });
      return c.json(lease, 200);
    },
  )
  .openapi(
    secureRoute("operator", {
      method: "post",
      path: "/api/desktops/{id}/handback",
      summary: "Hand back: the agent resumes, told that a person acted, with a fresh screenshot",
      request: { params: DesktopParam, body: { required: false, content: { "application/json": { schema: HandbackBody } } } },
      responses: { 200: jsonContent(HandbackResult, "Handed back"), ...conflictResponse("Nobody has taken over this desktop") },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const body = c.req.valid("json");
      await requireDesktop(c.env, id);
      const who = c.var.identity;
      const result = unwrap(await desktopObject(c.env, id).handBack(id, { id: who.id, name: who.name, admin: who.role === "admin" }, body?.note));
      await audit(c.env.DB, { actor: who.id, action: "desktop.handback", targetType: "desktop", targetId: id, details: { resumedTaskId: result.resumedTaskId } });
      return c.json(result, 200);
    },
  );
