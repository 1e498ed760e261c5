import { describe, expect, it } from "vitest";
import { inScope } from "./scope.ts";

const on = (desktopId: string, labels: string[] = [], scheduleId: string | null = null) => ({ desktopId, labels, scheduleId });

describe("inScope", () => {
  it("lets a global secret exist everywhere", () => {
    expect(inScope("global", on("any"))).toBe(true);
  });

  it("matches a desktop-limited secret by the desktop's id or one of its labels", () => {
    const scope = { desktops: ["mac-studio"], labels: ["finance"] };
    expect(inScope(scope, on("mac-studio"))).toBe(true);
    expect(inScope(scope, on("vm-2", ["linux", "finance"]))).toBe(true);
    expect(inScope(scope, on("vm-3", ["linux"]))).toBe(false);
  });

  it("matches a schedule-limited secret only for that schedule's runs, never outside a schedule", () => {
    const scope = { schedules: ["sch_0000000001"] };
    expect(inScope(scope, on("vm-1", [], "sch_0000000001"))).toBe(true);
    expect(inScope(scope, on("vm-1", [], "sch_0000000002"))).toBe(false);
    expect(inScope(scope, on("vm-1"))).toBe(false);
  });

  it("needs every limit it names to match", () => {
    const scope = { desktops: ["vm-1"], schedules: ["sch_0000000001"] };
    expect(inScope(scope, on("vm-1", [], "sch_0000000001"))).toBe(true);
    expect(inScope(scope, on("vm-2", [], "sch_0000000001"))).toBe(false);
    expect(inScope(scope, on("vm-1", [], null))).toBe(false);
  });
});
