import { OpenAPIHono, z } from "@hono/zod-openapi";
import { ConversationId, SupervisorConversation, SupervisorMessageBody, SupervisorStatus, SupervisorTranscriptQuery, conversationKind } from "@deskfleet/protocol";
import type { AppEnv } from "../app-env.ts";
import { conflictResponse, jsonBody, jsonContent, secureRoute, webSocketResponses } from "../http/route.ts";
import { ApiError, notFound, unprocessable, unwrap } from "../../domain/api-error.ts";
import { requireUpgrade } from "../../domain/websocket/upgrade.ts";
import { grantedUpgrade } from "../../domain/websocket/socket-grant.ts";
import { recordGrant } from "../../domain/access/revocation.ts";
import { validationHook } from "../http/errors.ts";
import { grantOf, roleAllows, type Identity } from "../auth/identity.ts";
import { supervisorObject } from "../../domain/addresses.ts";
import { conversationFileKey } from "../../domain/screenshot-keys.ts";

const ConversationParam = z.object({ id: ConversationId });
const FileParam = z.object({ id: ConversationId, fileId: z.string().regex(/^att_[a-z0-9]{10,40}$/, { message: "a file id is att_ followed by lowercase letters and digits, as the transcript names it" }) });
/** Shown in the browser (a thumbnail, a PDF viewer); anything else downloads. */
const INLINE_TYPES = new Set(["image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"]);

/**
 * Operators and admins read every conversation (they share the fleet's supervisor); a viewer reads
 * only one they started, never someone else's chat, which may carry what that person typed.
 */
async function requireReader(env: Env, id: string, who: Identity): Promise<void> {
  if (roleAllows(who.role, "operator")) return;
  if ((await supervisorObject(env, id).ownerOf()) === who.id) return;
  throw new ApiError(403, "forbidden", `viewers read only their own supervisor conversations; ${id} belongs to someone else (operators and admins read all)`);
}

export const supervisor = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(
    secureRoute("operator", {
      method: "post",
      path: "/api/supervisor/conversations/{id}/messages",
      summary: "Say something to the supervisor in a dashboard conversation (`dash:<id>`); its replies arrive on the live feed",
      request: { params: ConversationParam, body: jsonBody(SupervisorMessageBody) },
      responses: { 202: jsonContent(z.object({ accepted: z.literal(true), status: SupervisorStatus }), "Accepted"), ...conflictResponse("The conversation of a healer or optimizer task: people talk in dash: or telegram: conversations") },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      if (conversationKind(id) !== "dash") {
        throw unprocessable("not_a_dashboard_conversation", `the dashboard talks in \`dash:<id>\` conversations; ${id.split(":")[0]}: conversations belong to their own channel`);
      }
      const { text } = c.req.valid("json");
      const r = unwrap(await supervisorObject(c.env, id).postMessage(id, text, c.var.identity.name, c.var.identity.id));
      return c.json({ accepted: true as const, status: r.status }, 202);
    },
  )
  .openapi(
    secureRoute("viewer", {
      method: "get",
      path: "/api/supervisor/conversations/{id}",
      summary: "A supervisor conversation: its status and transcript (replies, tool calls and results), oldest first from `after`",
      request: { params: ConversationParam, query: SupervisorTranscriptQuery },
      responses: { 200: jsonContent(SupervisorConversation, "The conversation") },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { after, limit } = c.req.valid("query");
      await requireReader(c.env, id, c.var.identity);
      return c.json(await supervisorObject(c.env, id).transcript(id, after, limit), 200);
    },
  )
  .openapi(
    secureRoute("viewer", {
      method: "get",
      path: "/api/supervisor/conversations/{id}/files/{fileId}",
      summary: "A file a person sent to a conversation (a Telegram photo or document), as stored; the transcript's user entries name them in `data.attachments`",
      request: { params: FileParam },
      responses: { 200: { description: "The file's bytes, with its content type", content: { "application/octet-stream": { schema: z.any() } } } },
    }),
    async (c) => {
      const { id, fileId } = c.req.valid("param");
      await requireReader(c.env, id, c.var.identity);
      const obj = await c.env.SCREENSHOTS.get(conversationFileKey(id, fileId));
      if (!obj) throw notFound("file", `${id}/${fileId}`);
      const type = obj.httpMetadata?.contentType ?? "application/octet-stream";
      const name = decodeURIComponent(obj.customMetadata?.["name"] ?? fileId);
      return new Response(obj.body, {
        headers: {
          "content-type": type,
          "content-length": String(obj.size),
          "content-disposition": `${INLINE_TYPES.has(type) ? "inline" : "attachment"}; filename="${name.replace(/[^\x20-\x7e]|["\\]/g, "_")}"; filename*=UTF-8''${encodeURIComponent(name)}`,
          // A file from a chat is someone else's content: never run it in the dashboard's origin.
          "content-security-policy": "sandbox",
          "x-content-type-options": "nosniff",
          "cache-control": "private, max-age=3600",
        },
      });
    },
  )
  .openapi(
    secureRoute("viewer", {
      method: "get",
      path: "/api/supervisor/conversations/{id}/live",
      summary: "A supervisor conversation's live feed (WebSocket): new transcript entries and status changes",
      request: { params: ConversationParam },
      responses: webSocketResponses("Switching protocols: a WebSocket of JSON messages; closes with 4401 when the credential or session it was opened with is revoked"),
    }),
    async (c) => {
      const refused = requireUpgrade(c.req.raw);
      if (refused) return refused;
      const { id } = c.req.valid("param");
      await requireReader(c.env, id, c.var.identity);
      const reader = grantOf(c.var.identity);
      await recordGrant(c.env, reader, `supervisor:${id}`);
      return supervisorObject(c.env, id).fetch(grantedUpgrade({ socket: "live", reader }));
    },
  );
