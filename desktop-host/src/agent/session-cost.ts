import { costOfUsage, priceFor, type PriceTable, type WireUsage } from "./pricing.ts";

// For the benchmark: what a recorded session cost, in dollars and in input-token
// equivalents (every token weighted by its price relative to base input), so two
// context strategies run on the same script compare like with like.

export type SessionCost = {
  requests: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** cache reads / all prompt tokens (uncached + read + written). */
  cacheReadRatio: number;
  /** Prompt tokens as billed, in base-input tokens: uncached + 0.1×read + 1.25×write (at the model's own rates). */
  billedInputEquivalent: number;
  /** billedInputEquivalent plus output tokens at their relative price. */
  billedTotalEquivalent: number;
  costUsd: number;
  priceKnown: boolean;
};

export function sessionCost(usages: readonly WireUsage[], model: string, table?: PriceTable): SessionCost {
  const { price, known } = priceFor(model, table);
  const out: SessionCost = {
    requests: usages.length, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0,
    cacheReadRatio: 0, billedInputEquivalent: 0, billedTotalEquivalent: 0, costUsd: 0, priceKnown: known,
  };
  for (const u of usages) {
    const step = costOfUsage(u, price);
    out.inputTokens += step.inputTokens;
    out.outputTokens += step.outputTokens;
    out.cacheReadTokens += step.cacheReadTokens;
    out.cacheWriteTokens += step.cacheWriteTokens;
    out.costUsd += step.costUsd;
    const outputDollars = (step.outputTokens * price.output) / 1_000_000;
    out.billedInputEquivalent += ((step.costUsd - outputDollars) * 1_000_000) / price.input;
    out.billedTotalEquivalent += (step.costUsd * 1_000_000) / price.input;
  }
  const prompt = out.inputTokens + out.cacheReadTokens + out.cacheWriteTokens;
  out.cacheReadRatio = prompt === 0 ? 0 : out.cacheReadTokens / prompt;
  out.billedInputEquivalent = Math.round(out.billedInputEquivalent);
  out.billedTotalEquivalent = Math.round(out.billedTotalEquivalent);
  return out;
}
