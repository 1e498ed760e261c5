import { OpenAPIHono, z } from "@hono/zod-openapi";
import { MAX_TASK_ATTACHMENTS, MAX_TASK_FILE_BYTES, TaskFile, TaskFileId, TaskFileName, TaskId } from "@deskfleet/protocol";
import type { AppEnv } from "../app-env.ts";
import { conflictResponse, errorResponse, jsonContent, secureRoute } from "../http/route.ts";
import { ApiError, notFound, unwrap } from "../../domain/api-error.ts";
import { validationHook } from "../http/errors.ts";
import { visibleTask } from "../http/visible.ts";
import { getTaskRow } from "../../db/tasks.ts";
import { countTaskFiles, getTaskFile, listTaskFiles, toTaskFile } from "../../db/task-files.ts";
import { cleanContentType, storeTaskFile, tooLarge } from "../../domain/tasks/task-files.ts";
import { deliverArtifact } from "../../domain/tasks/artifact-delivery.ts";
import { taskObject } from "../../domain/addresses.ts";
import { taskFileKey } from "../../domain/screenshot-keys.ts";
import { database } from "../../db/client.ts";
import { taskFiles } from "../../db/schema.ts";
import { eq } from "drizzle-orm";

// A task's files. People attach files to a queued task (multipart); its host
// downloads them into the task's folder before the agent starts. The agent's
// `send_file` stores artifacts through the host routes; they are listed on the
// task, downloadable, and sent to the Telegram chat that started the task.

const Params = z.object({ id: TaskId });
const FileParams = z.object({ id: TaskId, fileId: TaskFileId });
const FileList = z.object({ items: z.array(TaskFile) });
const tooLargeResponse = { 413: errorResponse(`A file over ${MAX_TASK_FILE_BYTES / 1024 / 1024} MiB`), 415: errorResponse("Not multipart/form-data (attachments) or no content type (artifacts)") };

/** The stored bytes as a download: never rendered in the dashboard's origin, whatever its type. */
async function download(env: Env, taskId: string, fileId: string): Promise<Response> {
  const row = await getTaskFile(env.DB, taskId, fileId);
  const obj = row && (await env.SCREENSHOTS.get(row.r2Key));
  if (!row || !obj) throw notFound("file", `${taskId}/${fileId}`);
  return new Response(obj.body, {
    headers: {
      "content-type": row.contentType,
      "content-length": String(row.bytes),
      "content-disposition": `attachment; filename="${row.name.replace(/[^\x20-\x7e]|["\\]/g, "_")}"; filename*=UTF-8''${encodeURIComponent(row.name)}`,
      "content-security-policy": "sandbox",
      "x-content-type-options": "nosniff",
      "cache-control": "private, max-age=3600",
    },
  });
}

export const taskFileRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(
    secureRoute("operator", {
      method: "post",
      path: "/api/tasks/{id}/files",
      summary: `Attach files to a queued task (multipart/form-data, one or more \`file\` fields, at most ${MAX_TASK_FILE_BYTES / 1024 / 1024} MiB a request); its host downloads them into the task's folder before the agent starts. A task created with \`attachments: N\` waits for N files`,
      request: { params: Params },
      responses: { 201: jsonContent(FileList, "The files stored"), ...tooLargeResponse, ...conflictResponse("The task already started, or has its most attachments") },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const task = await visibleTask(c.env, c.var.identity, id);
      if (!/^multipart\/form-data\b/i.test(c.req.header("content-type") ?? "")) {
        throw new ApiError(415, "unsupported_media_type", "send the files as multipart/form-data, each in a `file` field (curl -F file=@report.csv)");
      }
      if (task.status !== "queued") throw new ApiError(409, "task_started", `task ${id} is ${task.status}; attach files while it is queued (create it with \`attachments: <count>\` so it waits for them)`);
      let form: FormData;
      try {
        form = await c.req.raw.formData();
      } catch {
        throw new ApiError(400, "invalid_multipart", "the body is not valid multipart/form-data; send each file in a `file` field");
      }
      const files = form.getAll("file").filter((f): f is File => typeof f !== "string");
      if (files.length === 0) throw new ApiError(422, "no_file", "the form has no file: send each file in a `file` field (curl -F file=@report.csv)");
      for (const f of files) {
        if (f.size > MAX_TASK_FILE_BYTES) throw tooLarge();
        if (!TaskFileName.safeParse(f.name).success) throw new ApiError(422, "invalid_file_name", `${JSON.stringify(f.name.slice(0, 100))} is not a file name we keep: no slashes or control characters, not starting with a dot, at most 200 characters`);
      }
      const already = await countTaskFiles(c.env.DB, id, "attachment");
      if (already + files.length > MAX_TASK_ATTACHMENTS) throw new ApiError(409, "too_many_attachments", `a task takes at most ${MAX_TASK_ATTACHMENTS} attachments; it has ${already}`);
      const stored: TaskFile[] = [];
      for (const f of files) {
        const file = await storeTaskFile(c.env, { taskId: id, kind: "attachment", name: f.name, contentType: cleanContentType(f.type), bytes: new Uint8Array(await f.arrayBuffer()), by: c.var.identity.name });
        const attached = await taskObject(c.env, id).fileAttached({ id: file.id, name: file.name, bytes: file.bytes }, c.var.identity.name);
        if ("error" in attached) {
          // It started meanwhile: the host will not download it, so it is not kept.
          await c.env.SCREENSHOTS.delete(taskFileKey(id, file.id));
          await database(c.env.DB).delete(taskFiles).where(eq(taskFiles.id, file.id));
          unwrap(attached);
        }
        stored.push(file);
      }
      return c.json({ items: stored }, 201);
    },
  )
  .openapi(
    secureRoute("viewer", {
      method: "get",
      path: "/api/tasks/{id}/files",
      summary: "A task's files: attachments given to it and artifacts its agent sent back",
      request: { params: Params },
      responses: { 200: jsonContent(FileList, "The files, oldest first") },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await visibleTask(c.env, c.var.identity, id);
      return c.json({ items: (await listTaskFiles(c.env.DB, id)).map(toTaskFile) }, 200);
    },
  )
  .openapi(
    secureRoute("viewer", {
      method: "get",
      path: "/api/tasks/{id}/files/{fileId}",
      summary: "Download one of a task's files",
      request: { params: FileParams },
      responses: { 200: { description: "The file, as a download", content: { "application/octet-stream": { schema: z.any() } } } },
    }),
    async (c) => {
      const { id, fileId } = c.req.valid("param");
      await visibleTask(c.env, c.var.identity, id);
      return download(c.env, id, fileId);
    },
  )
  .openapi(
    secureRoute("host", {
      method: "get",
      path: "/api/hosts/tasks/{id}/files",
      summary: "A host lists the files of a task it runs",
      request: { params: Params },
      responses: { 200: jsonContent(FileList, "The files, oldest first") },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await requireOwnTask(c.env, id, c.var.identity.id);
      return c.json({ items: (await listTaskFiles(c.env.DB, id)).map(toTaskFile) }, 200);
    },
  )
  .openapi(
    secureRoute("host", {
      method: "get",
      path: "/api/hosts/tasks/{id}/files/{fileId}",
      summary: "A host downloads an attachment of a task it runs",
      request: { params: FileParams },
      responses: { 200: { description: "The file", content: { "application/octet-stream": { schema: z.any() } } } },
    }),
    async (c) => {
      const { id, fileId } = c.req.valid("param");
      await requireOwnTask(c.env, id, c.var.identity.id);
      return download(c.env, id, fileId);
    },
  )
  .openapi(
    secureRoute("host", {
      method: "post",
      path: "/api/hosts/tasks/{id}/files",
      summary: `A host stores an artifact of a task it runs (the body is the file, \`?name=\` its name, at most ${MAX_TASK_FILE_BYTES / 1024 / 1024} MiB); it is sent to the Telegram chat that started the task`,
      request: { params: Params, query: z.object({ name: TaskFileName }) },
      responses: { 201: jsonContent(TaskFile, "Stored"), ...tooLargeResponse },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { name } = c.req.valid("query");
      const task = await requireOwnTask(c.env, id, c.var.identity.id);
      const declared = Number(c.req.header("content-length") ?? "0");
      if (declared > MAX_TASK_FILE_BYTES) throw tooLarge();
      const bytes = new Uint8Array(await c.req.arrayBuffer());
      if (bytes.length > MAX_TASK_FILE_BYTES) throw tooLarge();
      const file = await storeTaskFile(c.env, { taskId: id, kind: "artifact", name, contentType: cleanContentType(c.req.header("content-type")), bytes, by: c.var.identity.id });
      c.executionCtx.waitUntil(deliverArtifact(c.env, task, file, bytes));
      return c.json(file, 201);
    },
  );

async function requireOwnTask(env: Env, id: string, identityId: string) {
  const task = await getTaskRow(env.DB, id);
  const desktopId = identityId.replace(/^host:/, "");
  if (!task || task.desktopId !== desktopId) throw new ApiError(403, "not_your_task", `task ${id} is not assigned to desktop ${desktopId}`);
  return task;
}
