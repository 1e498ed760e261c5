import { describe, expect, it } from "vitest";
import { matchRoute } from "./router.ts";

describe("the dashboard's routes", () => {
  it("opens a stored supervisor conversation by its id, a Telegram chat's from before a /reset too", () => {
    expect(matchRoute("/supervisor")).toEqual({ view: "supervisor" });
    expect(matchRoute("/supervisor/telegram%3A-1001_mdq3k2a0")).toEqual({ view: "conversation", id: "telegram:-1001_mdq3k2a0" });
    expect(matchRoute("/supervisor/telegram:5551002")).toEqual({ view: "conversation", id: "telegram:5551002" });
    expect(matchRoute("/supervisor/a/b")).toEqual({ view: "not-found" });
  });
});
