import type { Message, MessageCreateParamsNonStreaming } from "@anthropic-ai/sdk/resources/messages/messages";
import type { SpendEntry } from "@deskfleet/protocol";
import { costOfUsage, priceFor } from "@deskfleet/protocol/pricing";

type Caller = (req: MessageCreateParamsNonStreaming) => Promise<Message>;

/**
 * The supervisor's model calls, each priced by the table the hosts use and
 * reported for the fleet's budget, keyed by the response id so a call is
 * counted once. A failed report never fails the turn: spend is told, not gated, here.
 */
export function meteredModelCaller(call: Caller, conversationId: string, report: (entry: SpendEntry) => Promise<void>, now: () => number = Date.now): Caller {
  return async (req) => {
    const res = await call(req);
    const model = res.model || req.model;
    const { costUsd } = costOfUsage(res.usage, priceFor(model).price);
    await report({ key: `supervisor:${conversationId}:${res.id}`, at: now(), costUsd, model, source: "supervisor", conversationId, identity: null }).catch((err: unknown) =>
      console.error("reporting the supervisor's spend failed:", err instanceof Error ? err.message : err),
    );
    return res;
  };
}
