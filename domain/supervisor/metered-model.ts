import type { Message, MessageCreateParamsNonStreaming } from "@anthropic-ai/sdk/resources/messages/messages";
import type { SpendEntry } from "@deskfleet/protocol";
import { costOfUsage, priceFor } from "@deskfleet/protocol/pricing";

type Caller = (req: MessageCreateParamsNonStreaming) => Promise<Message>;

/** A model call the fleet did not allow (its budget is spent): the turn ends and people are told why; never retried. */
export class ModelCallRefused extends Error {
  readonly code = "over_budget";
}

/**
 * The supervisor's model calls, each asked of the fleet's budget first (`hold`
 * answers why not, or null), priced by the table the hosts use and reported,
 * keyed by the response id so a call is counted once. A failed report or a
 * failed budget check never fails the turn: the budget is the fleet's to
 * enforce, and an unreachable FleetDO must not silence the supervisor.
 */
export function meteredModelCaller(call: Caller, conversationId: string, report: (entry: SpendEntry) => Promise<void>, hold: () => Promise<string | null> = async () => null, now: () => number = Date.now): Caller {
  return async (req) => {
    const refused = await hold().catch((err: unknown) => {
      console.error("checking the fleet's budget before a supervisor call failed:", err instanceof Error ? err.message : err);
      return null;
    });
    if (refused) throw new ModelCallRefused(refused);
    const res = await call(req);
    const model = res.model || req.model;
    const { costUsd } = costOfUsage(res.usage, priceFor(model).price);
    await report({ key: `supervisor:${conversationId}:${res.id}`, at: now(), costUsd, model, source: "supervisor", conversationId, identity: null }).catch((err: unknown) =>
      console.error("reporting the supervisor's spend failed:", err instanceof Error ? err.message : err),
    );
    return res;
  };
}
