import { describe, expect, it } from "vitest";
import { telegramChatOfTask as startingChat } from "./telegram-channel.ts";

describe("the Telegram chat an artifact goes to", () => {
  it("is the chat of a /run task, or of the supervisor conversation that created the task", () => {
    expect(startingChat({ source: "telegram", sourceMeta: { chatId: 42, by: "telegram:7" } })).toBe(42);
    expect(startingChat({ source: "supervisor", sourceMeta: { conversationId: "telegram:-1001" } })).toBe(-1001);
  });

  it("is still the chat for a task its conversation created before or after a /reset", () => {
    expect(startingChat({ source: "supervisor", sourceMeta: { conversationId: "telegram:-1001_mdq3k2a0" } })).toBe(-1001);
    expect(startingChat({ source: "supervisor", sourceMeta: { conversationId: "telegram:-1001_" } })).toBeNull();
  });

  it("is none for tasks from the API, the dashboard or a dashboard conversation", () => {
    expect(startingChat({ source: "api", sourceMeta: { by: "admin", chatId: 42 } })).toBeNull();
    expect(startingChat({ source: "supervisor", sourceMeta: { conversationId: "dash:abc" } })).toBeNull();
    expect(startingChat({ source: "dashboard", sourceMeta: null })).toBeNull();
  });
});
