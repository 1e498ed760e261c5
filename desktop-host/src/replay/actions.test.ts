import { describe, expect, it } from "vitest";
import { isRecordable, isUnreplayable, toActionInput, toTrajectoryAction } from "./actions.ts";

const MODEL = { width: 1366, height: 768 };
const SCREEN = { width: 1920, height: 1080 };

describe("trajectory actions", () => {
  it("keeps screen actions in screen pixels and gives them back in the model's", () => {
    const a = toTrajectoryAction("left_click", { coordinate: [483, 302], text: "shift" }, MODEL, SCREEN);
    expect(a).toEqual({ name: "left_click", coordinate: [679, 425], text: "shift" });
    expect(toActionInput(a, MODEL, SCREEN)).toEqual({ coordinate: [483, 302], text: "shift" });
  });

  it("keeps a typed secret by its name only, whatever else the event carried", () => {
    expect(toTrajectoryAction("type_secret", { name: "github", field: "password", text: "never" }, MODEL, SCREEN)).toEqual({ name: "type_secret", secret: "github" });
  });

  it("records screen actions, ignores looking and asking, and refuses to record a run that used the shell, files or a browser", () => {
    expect(["left_click", "type", "key", "scroll", "left_click_drag", "type_secret"].every(isRecordable)).toBe(true);
    expect(["screenshot", "zoom", "ask_human", "memory_search"].some((n) => isRecordable(n) || isUnreplayable(n))).toBe(false);
    expect(["bash", "str_replace_based_edit_tool", "browser", "send_file"].every(isUnreplayable)).toBe(true);
  });
});
