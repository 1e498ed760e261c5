import { describe, expect, it } from "vitest";
import { LoopDetector, actionSignature } from "./loop-detector.ts";
import { costOfUsage, DEFAULT_PRICES, priceFor, UNKNOWN_MODEL_PRICE } from "./pricing.ts";
import { sessionCost } from "./session-cost.ts";

describe("pricing", () => {
  it("bills cache writes at 1.25x and reads at 0.1x of input for a standard model", () => {
    const { price } = priceFor("claude-sonnet-4-6");
    const step = costOfUsage({ input_tokens: 1_000_000, output_tokens: 1_000_000, cache_read_input_tokens: 1_000_000, cache_creation_input_tokens: 1_000_000 }, price);
    expect(step.costUsd).toBeCloseTo(3 + 15 + 0.3 + 3.75, 10);
  });

  it("bills 1-hour cache writes at 2x input", () => {
    const { price } = priceFor("claude-opus-4-8");
    const step = costOfUsage({
      input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 2_000_000,
      cache_creation: { ephemeral_5m_input_tokens: 1_000_000, ephemeral_1h_input_tokens: 1_000_000 },
    }, price);
    expect(step.costUsd).toBeCloseTo(6.25 + 10, 10);
  });

  it("matches dated model ids to their alias and prices unknown models at the highest rates", () => {
    expect(priceFor("claude-haiku-4-5-20251001")).toMatchObject({ known: true, matched: "claude-haiku-4-5" });
    const unknown = priceFor("claude-someday-9");
    expect(unknown.known).toBe(false);
    const maxInput = Math.max(...Object.values(DEFAULT_PRICES).map((p) => p.input));
    expect(unknown.price).toBe(UNKNOWN_MODEL_PRICE);
    expect(unknown.price.input).toBe(maxInput);
  });

  it("uses Haiku 5.5's long-prompt rates above 100k prompt tokens", () => {
    const { price } = priceFor("claude-haiku-5-5");
    expect(costOfUsage({ input_tokens: 100_000, output_tokens: 0 }, price).costUsd).toBeCloseTo(0.01, 10);
    expect(costOfUsage({ input_tokens: 100_001, output_tokens: 0 }, price).costUsd).toBeCloseTo(100_001 * 0.5 / 1e6, 10);
  });
});

describe("session cost", () => {
  it("reports billed input-token equivalents and the cache read ratio of a recorded session", () => {
    const cost = sessionCost([
      { input_tokens: 100, output_tokens: 10, cache_creation_input_tokens: 4000, cache_read_input_tokens: 0 },
      { input_tokens: 0, output_tokens: 10, cache_creation_input_tokens: 1000, cache_read_input_tokens: 4000 },
    ], "claude-sonnet-4-6");
    expect(cost.billedInputEquivalent).toBe(100 + 1.25 * 5000 + 0.1 * 4000);
    expect(cost.billedTotalEquivalent).toBe(100 + 1.25 * 5000 + 0.1 * 4000 + 5 * 20);
    expect(cost.cacheReadRatio).toBeCloseTo(4000 / 9100, 10);
    expect(cost.costUsd).toBeCloseTo((100 * 3 + 5000 * 3.75 + 4000 * 0.3 + 20 * 15) / 1e6, 12);
  });
});

describe("loop detection", () => {
  const sig = (name: string, screen = "S") => actionSignature(name, { coordinate: [1, 2] }, screen);

  it("warns on the third identical action and stops on the fourth", () => {
    const d = new LoopDetector();
    expect([1, 2, 3, 4].map(() => d.record(sig("left_click"), "left_click").kind)).toEqual(["ok", "ok", "warn", "stop"]);
  });

  it("does not count the same action on a changing screen", () => {
    const d = new LoopDetector();
    expect(["A", "B", "C", "D"].map((s) => d.record(sig("left_click", s), "left_click").kind)).toEqual(["ok", "ok", "ok", "ok"]);
  });

  it("warns on an A/B ping-pong and forgives a model that breaks it", () => {
    const d = new LoopDetector();
    const seq = ["a", "b", "a", "b", "c", "a", "b"].map((n) => d.record(sig(n), n).kind);
    expect(seq).toEqual(["ok", "ok", "ok", "warn", "ok", "ok", "ok"]);
  });

  it("treats inputs with the same keys in another order as the same action", () => {
    expect(actionSignature("scroll", { a: 1, b: [2] }, "S")).toBe(actionSignature("scroll", { b: [2], a: 1 }, "S"));
  });
});
