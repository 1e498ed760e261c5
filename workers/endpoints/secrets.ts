import { OpenAPIHono, z } from "@hono/zod-openapi";
import { CreateSecretBody, RekeyResult, SecretMetadata, SecretNameParam, SecretRelease, UpdateSecretBody } from "@deskfleet/protocol";
import type { AppEnv } from "../app-env.ts";
import { conflictResponse, jsonBody, jsonContent, secureRoute } from "../http/route.ts";
import { validationHook } from "../http/errors.ts";
import { notFound } from "../../domain/api-error.ts";
import { getSecret, listReleases, listSecrets, toSecretMetadata } from "../../db/secrets.ts";
import { changeSecret, createSecret, removeSecret } from "../../domain/vault/secret-service.ts";
import { rekeyAll } from "../../domain/vault/rekey.ts";
import { audit } from "../../db/audit.ts";

// The vault's API. Admins manage secrets; operators see their names to use
// them. No route returns a value, in any role, in any error.

const ReleasesQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) });

export const secretsApi = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(
    secureRoute("operator", {
      method: "get",
      path: "/api/secrets",
      summary: "List vault secrets: names, kinds, descriptions, scopes and use (never values)",
      responses: { 200: jsonContent(z.object({ items: z.array(SecretMetadata) }), "Every secret's metadata") },
    }),
    async (c) => c.json({ items: (await listSecrets(c.env.DB)).map(toSecretMetadata) }, 200),
  )
  .openapi(
    secureRoute("admin", {
      method: "post",
      path: "/api/secrets",
      summary: "Add a secret; its value is sealed (AES-GCM) and never shown again",
      request: { body: jsonBody(CreateSecretBody) },
      responses: { 201: jsonContent(SecretMetadata, "The new secret's metadata"), ...conflictResponse("The name is taken") },
    }),
    async (c) => c.json(await createSecret(c.env, c.req.valid("json"), c.var.identity.id), 201),
  )
  .openapi(
    secureRoute("operator", {
      method: "get",
      path: "/api/secrets/{name}",
      summary: "One secret's metadata (never its value)",
      request: { params: SecretNameParam },
      responses: { 200: jsonContent(SecretMetadata, "The secret's metadata") },
    }),
    async (c) => {
      const { name } = c.req.valid("param");
      const row = await getSecret(c.env.DB, name);
      if (!row) throw notFound("secret", name);
      return c.json(toSecretMetadata(row), 200);
    },
  )
  .openapi(
    secureRoute("admin", {
      method: "put",
      path: "/api/secrets/{name}",
      summary: "Rotate a secret's value and/or change its description, scope or exclusivity",
      request: { params: SecretNameParam, body: jsonBody(UpdateSecretBody) },
      responses: { 200: jsonContent(SecretMetadata, "The secret's metadata after the change") },
    }),
    async (c) => c.json(await changeSecret(c.env, c.req.valid("param").name, c.req.valid("json"), c.var.identity.id), 200),
  )
  .openapi(
    secureRoute("admin", {
      method: "delete",
      path: "/api/secrets/{name}",
      summary: "Remove a secret; tasks can no longer type it",
      request: { params: SecretNameParam },
      responses: { 200: jsonContent(z.object({ deleted: z.literal(true), name: z.string() }), "Deleted") },
    }),
    async (c) => {
      const { name } = c.req.valid("param");
      await removeSecret(c.env, name, c.var.identity.id);
      return c.json({ deleted: true as const, name }, 200);
    },
  )
  .openapi(
    secureRoute("admin", {
      method: "get",
      path: "/api/secrets/{name}/releases",
      summary: "Every release of the secret's value to a desktop, newest first (task, desktop, time)",
      request: { params: SecretNameParam, query: ReleasesQuery },
      responses: { 200: jsonContent(z.object({ items: z.array(SecretRelease) }), "Releases from the audit log") },
    }),
    async (c) => {
      const { name } = c.req.valid("param");
      if (!(await getSecret(c.env.DB, name))) throw notFound("secret", name);
      return c.json({ items: await listReleases(c.env.DB, name, c.req.valid("query").limit) }, 200);
    },
  )
  .openapi(
    secureRoute("admin", {
      method: "post",
      path: "/api/secrets/rekey",
      summary: "Re-seal every stored value under the current DESKFLEET_SECRET_KEY (after a rotation; see `npm run secrets:rekey`)",
      responses: { 200: jsonContent(RekeyResult, "What was re-sealed, and what neither key opens") },
    }),
    async (c) => {
      const result = await rekeyAll(c.env);
      await audit(c.env.DB, { actor: c.var.identity.id, action: "secret.rekey", details: { resealed: result.resealed, unreadable: result.unreadable.length } });
      return c.json(result, 200);
    },
  );
