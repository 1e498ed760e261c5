import type { BetaImageBlockParam } from "@anthropic-ai/sdk/resources/beta";
import { describe, expect, it } from "vitest";
import type { Turn } from "./conversation-store.ts";
import { countImages, imagesToDrop, lastPrunedBlock, pruneImages, PRUNED_IMAGE_TEXT } from "./image-pruning.ts";
import { placeCacheBreakpoints } from "./prompt-cache.ts";

const image = (n: number): BetaImageBlockParam => ({ type: "image", source: { type: "base64", media_type: "image/png", data: `IMG${n}` } });

/** A conversation of `n` screenshot steps: each user turn answers a screenshot call with one image. */
function conversation(n: number): Turn[] {
  const out: Turn[] = [{ role: "user", content: [{ type: "text", text: "task" }, image(0)] }];
  for (let i = 1; i <= n; i++) {
    out.push({ role: "assistant", content: [{ type: "tool_use", id: `t${i}`, name: "screenshot", input: {}, toolset_name: "computer" }] });
    out.push({ role: "user", content: [{ type: "tool_result", tool_use_id: `t${i}`, toolset_name: "computer", content: [image(i)] }] });
  }
  return out;
}

const imageIds = (m: Turn[]) => JSON.stringify(m).match(/IMG\d+/g) ?? [];

describe("image pruning", () => {
  it("drops nothing until keep + chunk images are present, then drops a whole chunk", () => {
    const opts = { keep: 3, chunk: 5 };
    expect([3, 7, 8, 12, 13].map((n) => imagesToDrop(n, opts))).toEqual([0, 0, 5, 5, 10]);
  });

  it("replaces the oldest images, including those inside tool results, with a note", () => {
    const { messages, dropped } = pruneImages(conversation(7), { keep: 3, chunk: 5 }); // 8 images
    expect(dropped).toBe(5);
    expect(imageIds(messages)).toEqual(["IMG5", "IMG6", "IMG7"]);
    expect(countImages(messages)).toBe(3);
    expect(JSON.stringify(messages[0])).toContain(PRUNED_IMAGE_TEXT);
  });

  it("leaves the prefix byte-identical between prunes, so the cached prefix keeps matching", () => {
    let history = conversation(0);
    const prefixes: string[] = [];
    for (let i = 1; i <= 12; i++) {
      history = [...history, ...conversation(i).slice(-2)];
      history = pruneImages(history, { keep: 3, chunk: 5 }).messages;
      prefixes.push(JSON.stringify(history.slice(0, -2)));
    }
    // Prunes happen when 8 images are present (steps 7 and 12); every other step only appends.
    const changed = prefixes.flatMap((p, i) => (i > 0 && !p.startsWith(prefixes[i - 1]!.slice(0, -1)) ? [i + 1] : []));
    expect(changed).toEqual([7, 12]);
  });

  it("does not mutate the history it is given", () => {
    const history = conversation(8);
    const before = JSON.stringify(history);
    pruneImages(history, { keep: 1, chunk: 1 });
    expect(JSON.stringify(history)).toBe(before);
  });
});

describe("cache breakpoints", () => {
  const system = [{ type: "text" as const, text: "system prompt" }];
  const count = (x: unknown) => (JSON.stringify(x).match(/cache_control/g) ?? []).length;

  it("marks the system prompt and the last two user turns for the deskfleet strategy", () => {
    const placed = placeCacheBreakpoints(system, conversation(5), "deskfleet");
    expect(placed.breakpoints).toBe(3);
    expect(placed.system[0]!.cache_control).toEqual({ type: "ephemeral" });
    const marked = placed.messages.flatMap((m, i) => (count(m) > 0 ? [i] : []));
    expect(marked).toEqual([8, 10]);
  });

  it("marks the system prompt and the last three user turns for the reference demo, never more than four", () => {
    const placed = placeCacheBreakpoints(system, conversation(5), "reference-demo");
    expect(placed.breakpoints).toBe(4);
    expect(placed.messages.flatMap((m, i) => (count(m) > 0 ? [i] : []))).toEqual([6, 8, 10]);
  });

  it("moves the breakpoints as the conversation grows instead of accumulating them", () => {
    const history = conversation(2);
    const first = placeCacheBreakpoints(system, history, "deskfleet");
    const second = placeCacheBreakpoints(first.system, [...first.messages, ...conversation(3).slice(-2)], "deskfleet");
    expect(second.breakpoints).toBe(3);
    expect(count(second.system) + count(second.messages)).toBe(3);
  });

  it("puts breakpoints on prune anchors: one between prunes, two on the request that prunes, never more than four in all", () => {
    const once = pruneImages(conversation(7), { keep: 3, chunk: 5 }).messages; // IMG0..IMG4 pruned
    const anchor = lastPrunedBlock(once)!;
    expect(anchor).toEqual({ message: 8, block: 0 }); // the tool result that held IMG4
    const steady = placeCacheBreakpoints(system, once, "deskfleet", [anchor]);
    expect(steady.breakpoints).toBe(4);
    expect(count(steady.messages[8])).toBe(1);
    expect(steady.messages.flatMap((m, i) => (count(m) > 0 ? [i] : []))).toEqual([8, 12, 14]);

    const twice = pruneImages([...once, ...conversation(12).slice(15)], { keep: 3, chunk: 5 }).messages; // IMG5..IMG9 pruned too
    const next = lastPrunedBlock(twice)!;
    expect(next).toEqual({ message: 18, block: 0 });
    const pruning = placeCacheBreakpoints(system, twice, "deskfleet", [anchor, next]);
    expect(pruning.breakpoints).toBe(4);
    // The old anchor (read), the new one (written), and only the latest user turn: the rest is new to the cache anyway.
    expect(pruning.messages.flatMap((m, i) => (count(m) > 0 ? [i] : []))).toEqual([8, 18, 24]);
  });

  it("ignores anchors for the reference demo and anchors that point at no block", () => {
    const history = conversation(5);
    expect(placeCacheBreakpoints(system, history, "reference-demo", [{ message: 2, block: 0 }]).messages.flatMap((m, i) => (count(m) > 0 ? [i] : []))).toEqual([6, 8, 10]);
    const placed = placeCacheBreakpoints(system, history, "deskfleet", [{ message: 99, block: 0 }, { message: 2, block: 5 }]);
    expect(placed.breakpoints).toBe(3);
    expect(placed.messages.flatMap((m, i) => (count(m) > 0 ? [i] : []))).toEqual([8, 10]);
  });

  it("finds no prune anchor before anything was pruned", () => {
    expect(lastPrunedBlock(conversation(3))).toBeNull();
  });
});
