import { describe, expect, it } from "vitest";
import { decodeHostMessage } from "@deskfleet/protocol";
import { MemoryRequests } from "./memory-requests.ts";

const TASK = "tsk_0123456789ab";

describe("the agent's memory requests over the control channel", () => {
  it("sends a memory_request and resolves with its memory_response", async () => {
    const sent: string[] = [];
    const requests = new MemoryRequests((json) => sent.push(json) > 0);
    const answer = requests.ask(TASK, { kind: "search", query: "cookie wall" });
    const decoded = decodeHostMessage(sent[0]!);
    expect(decoded.ok && decoded.message).toMatchObject({ type: "memory_request", taskId: TASK, request: { kind: "search", query: "cookie wall" } });
    const requestId = decoded.ok && decoded.message.type === "memory_request" ? decoded.message.requestId : "";
    expect(requests.settle(requestId, { ok: true, kind: "search", memories: [] })).toBe(true);
    await expect(answer).resolves.toEqual({ ok: true, kind: "search", memories: [] });
    expect(requests.settle(requestId, { ok: true, kind: "search", memories: [] })).toBe(false);
  });

  it("fails at once when the control plane is not connected, and after its timeout when nobody answers", async () => {
    const offline = new MemoryRequests(() => false);
    await expect(offline.ask(TASK, { kind: "search", query: "x" })).resolves.toMatchObject({ ok: false, error: { code: "offline" } });
    const silent = new MemoryRequests(() => true, 20);
    await expect(silent.ask(TASK, { kind: "search", query: "x" })).resolves.toMatchObject({ ok: false, error: { code: "timeout" } });
  });

  it("stops waiting when the task is cancelled", async () => {
    const requests = new MemoryRequests(() => true);
    const abort = new AbortController();
    const answer = requests.ask(TASK, { kind: "save", collection: "sites", content: "x" }, abort.signal);
    abort.abort();
    await expect(answer).resolves.toMatchObject({ ok: false, error: { code: "cancelled" } });
  });
});
