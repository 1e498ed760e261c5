import { describe, expect, it } from "vitest";
import { conversationId, startNewConversation } from "./conversation-id.ts";

describe("conversation id", () => {
  it("keeps one dash: conversation per browser session and starts a new one on request", () => {
    sessionStorage.clear();
    const first = conversationId();
    expect(first).toMatch(/^dash:[0-9a-f-]{36}$/);
    expect(conversationId()).toBe(first);
    const next = startNewConversation();
    expect(next).not.toBe(first);
    expect(conversationId()).toBe(next);
  });

  it("replaces a stored value that is not a dashboard conversation id", () => {
    sessionStorage.setItem("deskfleet:supervisor-conversation", "telegram:42");
    expect(conversationId(sessionStorage, () => "abc")).toBe("dash:abc");
  });
});
