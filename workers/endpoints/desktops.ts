import { OpenAPIHono, z } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { CreateDesktopBody, Desktop, DesktopId, hostInstallLines, HostTokenResponse, UpdateDesktopBody } from "@deskfleet/protocol";
import type { AppEnv } from "../app-env.ts";
import { conflictResponse, errorResponse, jsonBody, jsonContent, secureRoute } from "../http/route.ts";
import { ApiError, notFound } from "../../domain/api-error.ts";
import { validationHook } from "../http/errors.ts";
import { generateToken, sha256Hex } from "../../db/token-secrets.ts";
import { seal } from "../../domain/crypto/secret-box.ts";
import { hasCredentials, splitVncUrl } from "../../domain/crypto/vnc-url.ts";
import { getDesktop, listDesktops, toDesktop } from "../../db/desktops.ts";
import { database } from "../../db/client.ts";
import { desktops as desktopsTable } from "../../db/schema.ts";
import { audit } from "../../db/audit.ts";
import { desktopObject, fleetObject } from "../../domain/addresses.ts";
import { hostCredential } from "../../domain/access/credentials.ts";
import { enforceLimit } from "../http/rate-limits.ts";

const DesktopParam = z.object({ id: DesktopId });

/** Encrypts the credentials (user, password, query string) from the URL and/or the explicit password; null when there are none. */
async function sealCredentials(env: Env, vncUrl: string | null | undefined, password: string | null | undefined) {
  if (!vncUrl) return { address: null, sealed: null };
  const { address, credentials } = splitVncUrl(vncUrl);
  if (password) credentials.password = password;
  const sealed = hasCredentials(credentials) ? await seal(env, "vnc-credentials", JSON.stringify(credentials)) : null;
  return { address, sealed };
}

export const desktops = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(
    secureRoute("viewer", {
      method: "get",
      path: "/api/desktops",
      summary: "List desktops with their presence and mode",
      responses: { 200: jsonContent(z.object({ items: z.array(Desktop) }), "All desktops") },
    }),
    async (c) => c.json({ items: (await listDesktops(c.env.DB)).map(toDesktop) }, 200),
  )
  .openapi(
    secureRoute("admin", {
      method: "post",
      path: "/api/desktops",
      summary: "Add a desktop (a worker once a host connects; view-only with just a VNC URL)",
      request: { body: jsonBody(CreateDesktopBody) },
      responses: { 201: jsonContent(Desktop, "The new desktop"), ...conflictResponse("The id is taken") },
    }),
    async (c) => {
      const body = c.req.valid("json");
      if (await getDesktop(c.env.DB, body.id)) throw new ApiError(409, "desktop_exists", `desktop \`${body.id}\` already exists; pick another id or PATCH it`);
      const { address, sealed } = await sealCredentials(c.env, body.vncUrl, body.vncPassword);
      const now = Date.now();
      const row = {
        id: body.id,
        name: body.name ?? body.id,
        os: body.os ?? "linux",
        labels: body.labels ?? [],
        vncUrl: address,
        vncCredentials: sealed,
        mode: "view_only" as const,
        presence: "offline" as const,
        createdAt: now,
        updatedAt: now,
      };
      const inserted = await database(c.env.DB).insert(desktopsTable).values(row).onConflictDoNothing().returning();
      if (!inserted[0]) throw new ApiError(409, "desktop_exists", `desktop \`${body.id}\` already exists`);
      await fleetObject(c.env).desktopUpdated({ desktopId: body.id, labels: inserted[0].labels, directVnc: inserted[0].vncUrl !== null });
      await audit(c.env.DB, { actor: c.var.identity.id, action: "desktop.create", targetType: "desktop", targetId: body.id, details: { name: row.name, vncUrl: address } });
      return c.json(toDesktop(inserted[0]), 201);
    },
  )
  .openapi(
    secureRoute("viewer", {
      method: "get",
      path: "/api/desktops/{id}",
      summary: "One desktop",
      request: { params: DesktopParam },
      responses: { 200: jsonContent(Desktop, "The desktop") },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const row = await getDesktop(c.env.DB, id);
      if (!row) throw notFound("desktop", id);
      return c.json(toDesktop(row), 200);
    },
  )
  .openapi(
    secureRoute("admin", {
      method: "patch",
      path: "/api/desktops/{id}",
      summary: "Change a desktop's name, OS, labels or VNC address",
      request: { params: DesktopParam, body: jsonBody(UpdateDesktopBody) },
      responses: { 200: jsonContent(Desktop, "The updated desktop") },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const body = c.req.valid("json");
      const row = await getDesktop(c.env.DB, id);
      if (!row) throw notFound("desktop", id);
      const patch: Partial<typeof desktopsTable.$inferInsert> = { updatedAt: Date.now() };
      if (body.name !== undefined) patch.name = body.name;
      if (body.os !== undefined) patch.os = body.os;
      if (body.labels !== undefined) patch.labels = body.labels;
      if (body.vncUrl !== undefined || body.vncPassword !== undefined) {
        const url = body.vncUrl === undefined ? row.vncUrl : body.vncUrl;
        const { address, sealed } = await sealCredentials(c.env, url, body.vncPassword ?? undefined);
        patch.vncUrl = address;
        // Keep the stored password unless a new URL with credentials or a new password replaces it.
        patch.vncCredentials = sealed ?? (body.vncPassword === null || body.vncUrl === null ? null : url === row.vncUrl ? row.vncCredentials : null);
      }
      const updated = await database(c.env.DB).update(desktopsTable).set(patch).where(eq(desktopsTable.id, id)).returning();
      if (updated[0]) await fleetObject(c.env).desktopUpdated({ desktopId: id, labels: updated[0].labels, directVnc: updated[0].vncUrl !== null });
      await audit(c.env.DB, { actor: c.var.identity.id, action: "desktop.update", targetType: "desktop", targetId: id, details: { fields: Object.keys(body) } });
      return c.json(toDesktop(updated[0]!), 200);
    },
  )
  .openapi(
    secureRoute("admin", {
      method: "delete",
      path: "/api/desktops/{id}",
      summary: "Remove a desktop; its host is disconnected and its queued tasks fail",
      request: { params: DesktopParam },
      responses: { 200: jsonContent(z.object({ deleted: z.literal(true), id: z.string() }), "Deleted") },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const deleted = await database(c.env.DB).delete(desktopsTable).where(eq(desktopsTable.id, id)).returning({ id: desktopsTable.id });
      if (!deleted[0]) throw notFound("desktop", id);
      await desktopObject(c.env, id).disconnect(`desktop ${id} was deleted`);
      await fleetObject(c.env).desktopRemoved(id);
      await audit(c.env.DB, { actor: c.var.identity.id, action: "desktop.delete", targetType: "desktop", targetId: id });
      return c.json({ deleted: true as const, id }, 200);
    },
  )
  .openapi(
    secureRoute("admin", {
      method: "post",
      path: "/api/desktops/{id}/host-token",
      summary: "Issue a new host token (shown once; replaces the previous one, whose host is disconnected at once)",
      request: { params: DesktopParam },
      responses: { 201: jsonContent(HostTokenResponse, "The token and the line per OS that installs the host from this control plane (it asks for the token)"), 429: errorResponse("Too many new credentials; wait and retry") },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      if (!(await getDesktop(c.env.DB, id))) throw notFound("desktop", id);
      await enforceLimit(c.env, "LIMIT_HOST_TOKENS", c.var.identity.id);
      const token = generateToken("dfh");
      const hash = await sha256Hex(token);
      const now = Date.now();
      await database(c.env.DB).update(desktopsTable).set({ hostTokenHash: hash, hostTokenCreatedAt: now, updatedAt: now }).where(eq(desktopsTable.id, id));
      // The old token stops working at the next request; its open sockets end now.
      await desktopObject(c.env, id).hostTokenReplaced(id, hostCredential(hash));
      await audit(c.env.DB, { actor: c.var.identity.id, action: "desktop.host_token", targetType: "desktop", targetId: id });
      return c.json({ desktopId: id, token, install: hostInstallLines(new URL(c.req.url).origin, id) }, 201);
    },
  );
