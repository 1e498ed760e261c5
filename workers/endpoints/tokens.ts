import { OpenAPIHono, z } from "@hono/zod-openapi";
import { ApiToken, CreatedApiToken, CreateTokenBody, IdParam } from "@deskfleet/protocol";
import type { AppEnv } from "../app-env.ts";
import { jsonBody, jsonContent, secureRoute } from "../http/route.ts";
import { notFound } from "../../domain/api-error.ts";
import { newId } from "../../domain/ids.ts";
import { generateToken, sha256Hex } from "../../db/token-secrets.ts";
import { insertApiToken, listApiTokens, type ApiTokenRow } from "../../db/api-tokens.ts";
import { revokeApiToken } from "../../domain/access/revoke.ts";
import { enforceLimit } from "../http/rate-limits.ts";
import { audit } from "../../db/audit.ts";
import { validationHook } from "../http/errors.ts";

const toApi = (r: ApiTokenRow) => ({ id: r.id, name: r.name, role: r.role, prefix: r.prefix, createdAt: r.createdAt, lastUsedAt: r.lastUsedAt });

export const tokens = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(
    secureRoute("admin", {
      method: "get",
      path: "/api/tokens",
      summary: "List API tokens (never their secrets)",
      responses: { 200: jsonContent(z.object({ items: z.array(ApiToken) }), "Active tokens") },
    }),
    async (c) => c.json({ items: (await listApiTokens(c.env.DB)).map(toApi) }, 200),
  )
  .openapi(
    secureRoute("admin", {
      method: "post",
      path: "/api/tokens",
      summary: "Create an API token; its secret is shown once",
      request: { body: jsonBody(CreateTokenBody) },
      responses: { 201: jsonContent(CreatedApiToken, "The new token, with its secret") },
    }),
    async (c) => {
      const body = c.req.valid("json");
      await enforceLimit(c.env, "LIMIT_CREDENTIALS", c.var.identity.id);
      const token = generateToken("dft");
      const row = { id: newId("tok"), name: body.name, role: body.role, tokenHash: await sha256Hex(token), prefix: token.slice(0, 10), createdBy: c.var.identity.id, createdAt: Date.now(), lastUsedAt: null, revokedAt: null };
      await insertApiToken(c.env.DB, row);
      await audit(c.env.DB, { actor: c.var.identity.id, action: "token.create", targetType: "token", targetId: row.id, details: { name: row.name, role: row.role } });
      return c.json({ ...toApi(row), token }, 201);
    },
  )
  .openapi(
    secureRoute("admin", {
      method: "delete",
      path: "/api/tokens/{id}",
      summary: "Revoke an API token: it stops working, and the sessions, live feeds, VNC views and takeovers opened with it end at once",
      request: { params: IdParam },
      responses: { 200: jsonContent(z.object({ revoked: z.literal(true), id: z.string() }), "Revoked") },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      if (!(await revokeApiToken(c.env, id))) throw notFound("API token", id);
      await audit(c.env.DB, { actor: c.var.identity.id, action: "token.revoke", targetType: "token", targetId: id });
      return c.json({ revoked: true as const, id }, 200);
    },
  );
