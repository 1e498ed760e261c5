import { describe, expect, it } from "vitest";
import { api, createDesktop, createTask, hostToken } from "./support/api.ts";

type Schema = { $ref?: string; type?: string; properties?: Record<string, Schema>; required?: string[] };
type Response = { description: string; content?: Record<string, { schema: Schema }> };
type Operation = { "x-deskfleet-access"?: string; responses: Record<string, Response> };
type OpenApiDoc = { paths: Record<string, Record<string, Operation>>; components?: { schemas?: Record<string, Schema> } };

async function openApi(): Promise<{ doc: OpenApiDoc; ops: { method: string; path: string; op: Operation }[] }> {
  const res = await api("GET", "/api/openapi.json");
  expect(res.status).toBe(200);
  const doc = res.json as OpenApiDoc;
  const ops = Object.entries(doc.paths).flatMap(([path, byMethod]) => Object.entries(byMethod).map(([method, op]) => ({ method: method.toUpperCase(), path, op })));
  return { doc, ops };
}

/** Whether a response is the JSON error envelope `{"error":{"code","message"}}`. */
function isErrorEnvelope(doc: OpenApiDoc, response: Response | undefined): boolean {
  let schema = response?.content?.["application/json"]?.schema;
  if (schema?.$ref) schema = doc.components?.schemas?.[schema.$ref.split("/").at(-1)!];
  const error = schema?.properties?.["error"];
  return schema?.type === "object" && error?.properties?.["code"]?.type === "string" && error.properties["message"]?.type === "string";
}

describe("the error answers in the OpenAPI document", () => {
  it("describes every 4xx answer of every route with the JSON error envelope", async () => {
    const { doc, ops } = await openApi();
    for (const { method, path, op } of ops) {
      for (const [status, response] of Object.entries(op.responses)) {
        if (status.startsWith("4")) expect(isErrorEnvelope(doc, response), `${status} of ${method} ${path}`).toBe(true);
      }
    }
  });

  it("declares 426 on every WebSocket route and only there, and each answers a plain request with it", async () => {
    const { doc, ops } = await openApi();
    const webSockets = ops.filter((o) => "101" in o.op.responses);
    expect(webSockets.map((o) => o.path).sort()).toEqual([
      "/api/desktops/{id}/vnc",
      "/api/hosts/connect",
      "/api/hosts/tunnel",
      "/api/live",
      "/api/supervisor/conversations/{id}/live",
      "/api/tasks/{id}/live",
    ]);
    expect(ops.filter((o) => "426" in o.op.responses)).toEqual(webSockets);

    await createDesktop("openapi-426");
    const task = await createTask({ prompt: "watched", desktopId: "openapi-426" });
    const token = await hostToken("openapi-426");
    for (const { method, path, op } of webSockets) {
      expect(isErrorEnvelope(doc, op.responses["426"]), `426 of ${path}`).toBe(true);
      const concrete = path.replace("{id}", path.startsWith("/api/tasks") ? task.id : path.startsWith("/api/desktops") ? "openapi-426" : "dash:openapi");
      const res = await api(method, concrete, op["x-deskfleet-access"] === "host" ? { token } : {});
      expect(res.status, `${method} ${concrete}`).toBe(426);
      expect(res.json?.error?.code, `${method} ${concrete}`).toBe("upgrade_required");
    }
  });

  it("declares 409 on the routes whose request can conflict with the current state", async () => {
    const { doc, ops } = await openApi();
    const conflicts = ops.filter((o) => "409" in o.op.responses);
    for (const { path, op } of conflicts) expect(isErrorEnvelope(doc, op.responses["409"]), path).toBe(true);
    expect(conflicts.map((o) => `${o.method} ${o.path}`).sort()).toEqual([
      "DELETE /api/agents/{name}",
      "DELETE /api/skills/{name}",
      "GET /api/desktops/{id}/screenshot",
      "PATCH /api/memories/{id}",
      "PATCH /api/schedules/{id}",
      "PATCH /api/skills/{name}",
      "POST /api/agents",
      "POST /api/desktops",
      "POST /api/desktops/{id}/handback",
      "POST /api/desktops/{id}/input",
      "POST /api/desktops/{id}/takeover",
      "POST /api/help-requests/{id}/dismiss",
      "POST /api/help-requests/{id}/respond",
      "POST /api/memories",
      "POST /api/proposals/{id}/approve",
      "POST /api/proposals/{id}/reject",
      "POST /api/schedules/{id}/prompt-versions/{version}/rollback",
      "POST /api/secrets",
      "POST /api/skills",
      "POST /api/skills/{name}/versions/{version}/rollback",
      "POST /api/supervisor/conversations/{id}/messages",
      "POST /api/tasks/{id}/cancel",
      "POST /api/tasks/{id}/files",
      "POST /api/tasks/{id}/messages",
      "POST /api/tasks/{id}/run-anyway",
    ]);
  });

  it("answers a conflict the way the document says: 409 with the error envelope", async () => {
    await createDesktop("openapi-409");
    const again = await api("POST", "/api/desktops", { body: { id: "openapi-409" } });
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe("desktop_exists");
    const handback = await api("POST", "/api/desktops/openapi-409/handback");
    expect(handback.status).toBe(409);
    expect(handback.json.error.code).toBe("not_taken_over");
  });
});
