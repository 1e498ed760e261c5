import { describe, expect, it } from "vitest";
import { matchRoute } from "./router.ts";

describe("the dashboard's routes", () => {
  it("reads a Telegram chat's conversation by its id, one a /reset left behind too", () => {
    expect(matchRoute("/supervisor")).toEqual({ view: "supervisor", conversation: null });
    expect(matchRoute("/supervisor?conversation=telegram:-1001_mdq3k2a0")).toEqual({ view: "supervisor", conversation: "telegram:-1001_mdq3k2a0" });
  });
});
