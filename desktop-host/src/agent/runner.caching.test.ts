import Anthropic from "@anthropic-ai/sdk";
import { afterEach, describe, expect, it } from "vitest";
import {
  countImages, startScriptedAnthropic, text, toolsetCall, type ScriptedAnthropic, type ScriptStep,
} from "../../../test-support/scripted-anthropic/index.ts";
import { createComputerUseRunner } from "./runner.ts";
import type { ContextStrategy } from "./prompt-cache.ts";
import { sessionCost, type SessionCost } from "./session-cost.ts";
import { createInMemoryDesktop } from "./testing/in-memory-screen.ts";
import { RecordingContext } from "./testing/recording-context.ts";

let server: ScriptedAnthropic | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const MODEL = "claude-sonnet-4-6";

/** 30 steps: a click that changes the screen, then a screenshot to see it, fifteen times; then the answer. */
function thirtyStepScript(): ScriptStep[] {
  const steps: ScriptStep[] = [];
  for (let i = 0; i < 30; i++) {
    steps.push(i % 2 === 0
      ? toolsetCall("left_click", { coordinate: [40 + i * 30, 200 + i * 5] }, { text: `Step ${i}: clicking the next item.` })
      : toolsetCall("screenshot", {}, { text: `Step ${i}: checking the result.` }));
  }
  steps.push(text("All fifteen items are done."));
  return steps;
}

function cacheControls(body: unknown): number {
  return (JSON.stringify(body).match(/"cache_control":/g) ?? []).length;
}

async function session(strategy: ContextStrategy) {
  server = await startScriptedAnthropic({ script: thirtyStepScript() });
  const { desktop } = createInMemoryDesktop();
  const runner = createComputerUseRunner({ client: new Anthropic({ baseURL: server.url, apiKey: "test" }), desktop, model: MODEL, strategy });
  const outcome = await runner.run(new RecordingContext({ id: `tsk_cache_${strategy.replace("-", "")}`, prompt: "Work through the list." }));
  server.assertNoRejections();
  server.assertScriptConsumed();
  const requests = [...server.requests];
  await server.close();
  server = undefined;
  const usages = requests.map((r) => r.usage!);
  return { outcome, requests, cost: sessionCost(usages, MODEL), images: requests.map((r) => countImages(r.body)) };
}

function row(name: string, c: SessionCost, images: number[]) {
  const mean = images.reduce((a, b) => a + b, 0) / images.length;
  return `${name.padEnd(15)} requests ${c.requests}  images/request mean ${mean.toFixed(1)} max ${Math.max(...images)}  ` +
    `cache read ratio ${(c.cacheReadRatio * 100).toFixed(1)}%  read ${c.cacheReadTokens}  written ${c.cacheWriteTokens}  uncached ${c.inputTokens}  ` +
    `billed input-equivalent ${c.billedInputEquivalent}  $${c.costUsd.toFixed(4)}`;
}

describe("prompt caching and screenshot pruning over a 30-step session", () => {
  it("keeps at most 4 breakpoints, prunes images in chunks, and reads the cache on every request after the first", async () => {
    const { outcome, requests, images } = await session("deskfleet");
    expect(outcome).toEqual({ status: "completed", result: "All fifteen items are done." });
    expect(requests).toHaveLength(31);
    for (const r of requests) expect(cacheControls(r.wireBody)).toBeLessThanOrEqual(4);
    // Images: the opening screenshot plus one per screenshot call, kept between 2 and 5 (keep 2, chunks of 4).
    expect(Math.max(...images)).toBe(5);
    for (let i = 1; i < images.length; i++) {
      const change = images[i]! - images[i - 1]!;
      expect([0, 1, -3]).toContain(change); // +1 new screenshot; a prune drops 4 while one arrives
    }
    expect(images.slice(-1)[0]).toBeGreaterThanOrEqual(2);
    for (const r of requests.slice(1)) expect(r.usage!.cache_read_input_tokens).toBeGreaterThan(0);
    // Between prunes the whole previous prefix is read: only the new turn is written.
    const steady = requests.filter((_, i) => i > 0 && images[i]! >= images[i - 1]!);
    expect(steady.length).toBeGreaterThan(20);
    // A prune rewrites what follows the pruned images; from the second prune on, the prune
    // anchor lets it read the older history (more than the system prompt the first one read).
    const prunes = requests.filter((_, i) => i > 0 && images[i]! < images[i - 1]!).map((r) => r.usage!.cache_read_input_tokens);
    expect(prunes.length).toBeGreaterThanOrEqual(2);
    for (const read of prunes.slice(1)) expect(read).toBeGreaterThan(prunes[0]!);
  }, 60_000);

  it("never sends a screenshot the model already has", async () => {
    server = await startScriptedAnthropic({ script: [toolsetCall("screenshot"), toolsetCall("screenshot"), text("Same screen.")] });
    const { desktop } = createInMemoryDesktop();
    const runner = createComputerUseRunner({ client: new Anthropic({ baseURL: server.url, apiKey: "test" }), desktop, model: MODEL });
    const ctx = new RecordingContext({ id: "tsk_cache_dedupe1", prompt: "Look twice." });
    await runner.run(ctx);
    server.assertNoRejections();
    // The opening screenshot is the only image: both screenshot calls saw the same screen.
    expect(server.requests.map((r) => countImages(r.body))).toEqual([1, 1, 1]);
    expect(JSON.stringify(server.requests[2]!.body)).toContain("it was not sent again");
    expect(ctx.uploads).toHaveLength(1);
  });

  it("can answer every action with a screenshot, as the demo's tool does, and still never sends the same one twice", async () => {
    server = await startScriptedAnthropic({ script: [toolsetCall("left_click", { coordinate: [100, 100] }), toolsetCall("screenshot"), text("Clicked.")] });
    const { desktop } = createInMemoryDesktop();
    const runner = createComputerUseRunner({ client: new Anthropic({ baseURL: server.url, apiKey: "test" }), desktop, model: MODEL, screenshots: { afterActions: true } });
    const ctx = new RecordingContext({ id: "tsk_cache_after1", prompt: "Click." });
    await runner.run(ctx);
    server.assertNoRejections();
    // Opening screenshot, then the click's (the screen changed), then the screenshot call: the same screen, so words.
    expect(server.requests.map((r) => countImages(r.body))).toEqual([1, 2, 2]);
    expect(JSON.stringify(server.requests[2]!.body)).toContain("it was not sent again");
    expect(ctx.uploads).toHaveLength(2);
  });

  it("costs less than the reference demo's strategy on the same script", async () => {
    const ours = await session("deskfleet");
    const demo = await session("reference-demo");
    console.log(`30-step session, ${MODEL}:\n  ${row("deskfleet", ours.cost, ours.images)}\n  ${row("reference-demo", demo.cost, demo.images)}`);
    for (const r of demo.requests) expect(cacheControls(r.wireBody)).toBeLessThanOrEqual(4);
    // The demo's tool answers every action with a screenshot and keeps them all: the opening one and 30.
    expect(Math.max(...demo.images)).toBe(31);
    expect(demo.outcome).toEqual(ours.outcome);
    expect(ours.cost.billedInputEquivalent).toBeLessThan(demo.cost.billedInputEquivalent);
    expect(ours.cost.costUsd).toBeLessThan(demo.cost.costUsd);
  }, 120_000);
});
