import { describe, expect, it } from "vitest";
import type { Message } from "@anthropic-ai/sdk/resources/messages/messages";
import type { SpendEntry } from "@deskfleet/protocol";
import { ModelCallRefused, meteredModelCaller } from "./metered-model.ts";

const response = (over: Partial<Message> = {}): Message => ({
  id: "msg_1", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [], stop_reason: "end_turn", stop_sequence: null, container: null,
  usage: { input_tokens: 1_000_000, output_tokens: 100_000, cache_read_input_tokens: 0, cache_creation_input_tokens: 0, cache_creation: null, server_tool_use: null, service_tier: null },
  ...over,
} as Message);

describe("meteredModelCaller", () => {
  it("reports each supervisor call priced by the model that answered, keyed by its response id", async () => {
    const seen: SpendEntry[] = [];
    const call = meteredModelCaller(async () => response(), "conv-1", async (e) => void seen.push(e), async () => null, () => 42);
    await call({ model: "claude-sonnet-4-5", max_tokens: 10, messages: [] });
    // Sonnet 4.5: $3 per million input, $15 per million output.
    expect(seen).toEqual([{ key: "supervisor:conv-1:msg_1", at: 42, costUsd: 3 + 1.5, model: "claude-sonnet-4-5", source: "supervisor", conversationId: "conv-1", identity: null }]);
  });

  it("still answers the turn when the report fails", async () => {
    const call = meteredModelCaller(async () => response({ id: "msg_2" }), "conv-1", async () => {
      throw new Error("FleetDO unreachable");
    });
    expect((await call({ model: "claude-sonnet-4-5", max_tokens: 10, messages: [] })).id).toBe("msg_2");
  });

  it("does not call the model while the fleet's budget holds it, and says why", async () => {
    let called = 0;
    const call = meteredModelCaller(async () => (called++, response()), "conv-1", async () => undefined, async () => "the daily budget is spent");
    await expect(call({ model: "claude-sonnet-4-5", max_tokens: 10, messages: [] })).rejects.toThrow(new ModelCallRefused("the daily budget is spent"));
    expect(called).toBe(0);
  });

  it("calls the model when the budget check itself fails (an unreachable FleetDO must not silence the supervisor)", async () => {
    const call = meteredModelCaller(async () => response({ id: "msg_3" }), "conv-1", async () => undefined, async () => {
      throw new Error("FleetDO unreachable");
    });
    expect((await call({ model: "claude-sonnet-4-5", max_tokens: 10, messages: [] })).id).toBe("msg_3");
  });
});
