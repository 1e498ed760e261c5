import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ADMIN, api, createDesktop, createTask, hostToken } from "./support/api.ts";
import { TestHost } from "./support/test-host.ts";

const BASE = "https://deskfleet.test";

async function attach(taskId: string, files: { name: string; content: string; type?: string }[], token: string | null = ADMIN) {
  const form = new FormData();
  for (const f of files) form.append("file", new File([f.content], f.name, { type: f.type ?? "text/plain" }));
  const res = await SELF.fetch(`${BASE}/api/tasks/${taskId}/files`, { method: "POST", headers: token ? { authorization: `Bearer ${token}` } : {}, body: form });
  return { status: res.status, json: (await res.json()) as any };
}

async function hostUpload(taskId: string, token: string, name: string, body: string, type = "text/csv") {
  const res = await SELF.fetch(`${BASE}/api/hosts/tasks/${taskId}/files?name=${encodeURIComponent(name)}`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": type }, body });
  return { status: res.status, json: (await res.json()) as any };
}

describe("a task's files", () => {
  it("holds a task that waits for its attachments until the last one arrives, then its host downloads them", async () => {
    await createDesktop("files-1");
    const token = await hostToken("files-1");
    const host = new TestHost("files-1", token);
    await host.connect();
    const task = await createTask({ prompt: "sum the numbers", desktopId: "files-1", attachments: 2, tools: ["files", "shell"] });
    expect(task.waitingReason).toBe(`waiting for 2 more attachments (POST /api/tasks/${task.id}/files)`);

    const first = await attach(task.id, [{ name: "numbers.csv", content: "1,2,3\n" }]);
    expect(first.status).toBe(201);
    expect(first.json.items[0]).toMatchObject({ kind: "attachment", name: "numbers.csv", contentType: "text/plain", bytes: 6 });
    expect((await api("GET", `/api/tasks/${task.id}`)).json).toMatchObject({ status: "queued", waitingReason: `waiting for 1 more attachment (POST /api/tasks/${task.id}/files)` });

    expect((await attach(task.id, [{ name: "notes.txt", content: "hi" }])).status).toBe(201);
    const assigned = await host.next("assign");
    expect(assigned.task.options).toMatchObject({ attachments: 2, tools: ["files", "shell"] });

    const listed = await SELF.fetch(`${BASE}/api/hosts/tasks/${task.id}/files`, { headers: { authorization: `Bearer ${token}` } });
    const items = ((await listed.json()) as { items: { id: string; name: string }[] }).items;
    expect(items.map((f) => f.name)).toEqual(["numbers.csv", "notes.txt"]);
    const got = await SELF.fetch(`${BASE}/api/hosts/tasks/${task.id}/files/${items[0]!.id}`, { headers: { authorization: `Bearer ${token}` } });
    expect(await got.text()).toBe("1,2,3\n");

    // It started: no more attachments, and the answer says why and what to do.
    const late = await attach(task.id, [{ name: "late.txt", content: "x" }]);
    expect(late.status).toBe(409);
    expect(late.json.error.message).toMatch(/attach files while it is queued/);
  });

  it("stores an artifact from the task's own host, lists it and serves it as a download that never renders", async () => {
    await createDesktop("files-2");
    await createDesktop("files-3");
    const token = await hostToken("files-2");
    const host = new TestHost("files-2", token);
    await host.connect();
    const task = await createTask({ prompt: "make a report", desktopId: "files-2" });
    await host.next("assign");
    const stored = await hostUpload(task.id, token, "report.html", "<script>alert(1)</script>", "text/html");
    expect(stored.status).toBe(201);
    expect(stored.json).toMatchObject({ kind: "artifact", name: "report.html", by: "host:files-2", bytes: 25 });
    expect((await hostUpload(task.id, await hostToken("files-3"), "x.txt", "x")).status).toBe(403);

    const list = await api("GET", `/api/tasks/${task.id}/files`);
    expect(list.json.items.map((f: { name: string }) => f.name)).toEqual(["report.html"]);
    const res = await api("GET", `/api/tasks/${task.id}/files/${stored.json.id}`);
    expect(res.status).toBe(200);
    expect(res.text).toBe("<script>alert(1)</script>");
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="report.html"; filename*=UTF-8''report.html`);
    expect(res.headers.get("content-security-policy")).toBe("sandbox");
  });

  it("answers bad uploads with what to do, and stores nothing", async () => {
    await createDesktop("files-4");
    const task = await createTask({ prompt: "nothing yet", desktopId: "files-4", attachments: 1 });
    const notForm = await api("POST", `/api/tasks/${task.id}/files`, { raw: "{}", headers: { "content-type": "application/json" } });
    expect(notForm.status).toBe(415);
    expect(notForm.json.error.message).toMatch(/multipart\/form-data/);
    const form = new FormData();
    form.append("other", "text");
    const noFile = await SELF.fetch(`${BASE}/api/tasks/${task.id}/files`, { method: "POST", headers: { authorization: `Bearer ${ADMIN}` }, body: form });
    expect(noFile.status).toBe(422);
    expect((await attach(task.id, [{ name: ".hidden", content: "x" }])).status).toBe(422);
    expect((await attach(task.id, [{ name: "a.txt", content: "x" }], null)).status).toBe(401);
    expect((await attach("tsk_doesnotexist00", [{ name: "a.txt", content: "x" }])).status).toBe(404);
    const big = await attach(task.id, [{ name: "big.bin", content: "x".repeat(25 * 1024 * 1024 + 1) }]);
    expect(big.status).toBe(413);
    expect((await api("GET", `/api/tasks/${task.id}/files`)).json.items).toEqual([]);
    expect((await api("GET", `/api/tasks/${task.id}`)).json.status).toBe("queued");
  });
});
