import { describe, expect, it } from "vitest";
import { DEFAULT_WINDOW, fitWindow, withCacheBreakpoints, type Turn } from "./conversation-window.ts";

const user = (text: string): Turn => ({ role: "user", content: [{ type: "text", text }] });
const assistant = (text: string): Turn => ({ role: "assistant", content: [{ type: "text", text }] });
const call = (id: string): Turn => ({ role: "assistant", content: [{ type: "tool_use", id, name: "get_task", input: {} }] });
const result = (id: string, text: string, image = false): Turn => ({
  role: "user",
  content: [{ type: "tool_result", tool_use_id: id, content: image ? [{ type: "image", source: { type: "base64", media_type: "image/png", data: "AAAA" } }] : [{ type: "text", text }] }],
});
const breakpoints = (turns: Turn[]) => JSON.stringify(turns).match(/"cache_control"/g)?.length ?? 0;

describe("the conversation window", () => {
  it("leaves a short conversation as it is", () => {
    const turns = [user("hi"), assistant("hello")];
    expect(fitWindow(turns)).toEqual({ turns, dropped: 0 });
  });

  it("cuts the oldest turns at a person's message and says so, never splitting a tool call from its result", () => {
    const turns: Turn[] = [];
    for (let i = 0; i < 10; i++) turns.push(user(`question ${i}`), call(`t${i}`), result(`t${i}`, "x"), assistant(`answer ${i}`));
    const { turns: out, dropped } = fitWindow(turns, { ...DEFAULT_WINDOW, maxMessages: 10 });
    expect(dropped).toBe(32);
    expect(out).toHaveLength(8);
    expect(out[0]!.role).toBe("user");
    expect(JSON.stringify(out[0])).toContain("32 earlier messages");
    expect(JSON.stringify(out[0])).toContain("question 8");
    // Every tool_result still follows its tool_use.
    for (let i = 0; i < out.length; i++) {
      for (const b of out[i]!.content) if (b.type === "tool_result") expect(JSON.stringify(out[i - 1])).toContain(b.tool_use_id);
    }
  });

  it("keeps a long autonomous run whole when there is no person's message to cut at", () => {
    const turns: Turn[] = [user("go")];
    for (let i = 0; i < 20; i++) turns.push(call(`t${i}`), result(`t${i}`, "y"));
    expect(fitWindow(turns, { ...DEFAULT_WINDOW, maxMessages: 5 }).dropped).toBe(0);
  });

  it("keeps only the newest images and shortens old tool results", () => {
    const turns: Turn[] = [user("look")];
    for (let i = 0; i < 5; i++) turns.push(call(`i${i}`), result(`i${i}`, "", true));
    turns.push(call("long"), result("long", "z".repeat(5_000)));
    for (let i = 0; i < 3; i++) turns.push(call(`n${i}`), result(`n${i}`, "short"));
    const { turns: out } = fitWindow(turns, { ...DEFAULT_WINDOW, keepImages: 2, fullToolResults: 3, oldToolResultChars: 100 });
    const text = JSON.stringify(out);
    expect(text.match(/"type":"image"/g)).toHaveLength(2);
    expect(text.match(/an image was here/g)).toHaveLength(3);
    expect(text).toContain("4900 more characters cut");
  });

  it("marks at most the two newest user turns for caching and removes stale marks", () => {
    const turns = withCacheBreakpoints([user("a"), assistant("b"), user("c"), assistant("d"), user("e")]);
    expect(breakpoints(turns)).toBe(2);
    expect(JSON.stringify(turns[2])).toContain("cache_control");
    expect(JSON.stringify(turns[4])).toContain("cache_control");
    const again = withCacheBreakpoints([...turns, assistant("f"), user("g")]);
    expect(breakpoints(again)).toBe(2);
    expect(JSON.stringify(again[2])).not.toContain("cache_control");
  });
});
