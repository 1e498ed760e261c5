import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, apiToken, createDesktop, createTask, env, hostToken } from "./support/api.ts";
import { RawSocket } from "./support/raw-socket.ts";
import { TestHost } from "./support/test-host.ts";

// Viewers watch the fleet; what people typed for an agent or for the supervisor is for operators
// and above (and, for a supervisor chat, its own author).

async function answeredTask(desktopId: string) {
  await createDesktop(desktopId);
  const host = new TestHost(desktopId, await hostToken(desktopId));
  await host.connect();
  const task = await createTask({ prompt: "log in to the bank", desktopId });
  await host.next("assign");
  host.sendEvents(task.id, [
    { seq: 1, kind: "started" },
    { seq: 2, kind: "help_request", data: { requestId: `req-${desktopId}`, question: "What is the one-time code?" } },
  ]);
  await host.ackedAtLeast(task.id, 2);
  return { host, task, requestId: `req-${desktopId}` };
}

describe("help-request answers", () => {
  it("are shown to operators and admins, and to viewers only as answered (no answer) in the list, the events and the live feed", async () => {
    const { host, task, requestId } = await answeredTask("roles-help-1");
    const viewer = await apiToken("viewer");
    const operator = await apiToken("operator");
    const liveViewer = await RawSocket.open(`/api/tasks/${task.id}/live`, { authorization: `Bearer ${viewer}` });
    const liveOperator = await RawSocket.open(`/api/tasks/${task.id}/live`, { authorization: `Bearer ${operator}` });
    await liveViewer.waitFor(() => liveViewer.text().includes('"replayed"'), "the viewer's replay");
    await liveOperator.waitFor(() => liveOperator.text().includes('"replayed"'), "the operator's replay");

    expect((await api("POST", `/api/help-requests/${requestId}/respond`, { token: operator, body: { answer: "483920" } })).status).toBe(200);
    await host.next("help_answer");

    const asOperator = (await api("GET", `/api/help-requests?taskId=${task.id}`, { token: operator })).json.items[0];
    expect(asOperator).toMatchObject({ status: "answered", answer: "483920" });
    const asViewer = (await api("GET", `/api/help-requests?taskId=${task.id}`, { token: viewer })).json.items[0];
    expect(asViewer).toMatchObject({ status: "answered", answer: null, question: "What is the one-time code?" });

    const eventsOf = async (token: string) => (await api("GET", `/api/tasks/${task.id}/events`, { token })).json.items.find((e: { kind: string }) => e.kind === "help_answer");
    expect((await eventsOf(operator)).data.answer).toBe("483920");
    expect((await eventsOf(viewer)).data).toMatchObject({ status: "answered", answer: null });

    await liveOperator.waitFor(() => liveOperator.text().includes("483920"), "the answer on the operator's feed");
    await liveViewer.waitFor(() => liveViewer.text().includes('"help_answer"'), "the answer event on the viewer's feed");
    expect(liveViewer.text()).not.toContain("483920");
    const replay = await RawSocket.open(`/api/tasks/${task.id}/live`, { authorization: `Bearer ${viewer}` });
    await replay.waitFor(() => replay.text().includes('"replayed"'), "a later viewer's replay");
    expect(replay.text()).toContain('"help_answer"');
    expect(replay.text()).not.toContain("483920");
    for (const s of [liveViewer, liveOperator, replay]) s.close();
  });
});

describe("supervisor conversations", () => {
  it("are read by operators and admins, but not by a viewer who did not start them (transcript or live feed)", async () => {
    const operator = await apiToken("operator");
    const viewer = await apiToken("viewer");
    // Someone's conversation, with what they said in it (written as SupervisorDO stores a person's message).
    const stub = env.SUPERVISOR.get(env.SUPERVISOR.idFromName("dash:roles-chat-1"));
    await runInDurableObject(stub, (_obj, state) => {
      state.storage.sql.exec(`INSERT OR REPLACE INTO meta (key, value) VALUES ('id', ?), ('owner', ?)`, JSON.stringify("dash:roles-chat-1"), JSON.stringify("token:someone"));
      state.storage.sql.exec(`INSERT INTO entries (kind, text, data, at) VALUES ('user', 'my VPN password is hunter2, log in', NULL, ?)`, Date.now());
    });
    expect((await api("GET", "/api/supervisor/conversations/dash:roles-chat-1", { token: operator })).text).toContain("hunter2");
    expect((await api("GET", "/api/supervisor/conversations/dash:roles-chat-1", { token: await apiToken("operator") })).status).toBe(200);
    const refused = await api("GET", "/api/supervisor/conversations/dash:roles-chat-1", { token: viewer });
    expect(refused.status).toBe(403);
    expect(refused.text).not.toContain("hunter2");
    expect(refused.json.error.message).toMatch(/viewers read only their own supervisor conversations/);
    const live = await RawSocket.open("/api/supervisor/conversations/dash:roles-chat-1/live", { authorization: `Bearer ${viewer}` });
    expect(live.status).toBe(403);
    expect((await api("GET", "/api/supervisor/conversations/heal:tsk_0000000000aaaaaaaaaa", { token: viewer })).status).toBe(403);
  });
});
