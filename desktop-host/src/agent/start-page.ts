import type { TaskContext } from "../task-runner.ts";
import { actionEvent } from "./action-event.ts";
import type { Desktop } from "./desktop.ts";

/** Opens the task's start page through the same desktop as the model's actions: focus the address bar, type, go. */
export async function openStartPage(ctx: TaskContext, desktop: Desktop, url: string): Promise<void> {
  for (const [name, input, act] of [
    ["key", { text: "ctrl+l" }, () => desktop.key("ctrl+l")],
    ["type", { text: url }, () => desktop.type(url)],
    ["key", { text: "Return" }, () => desktop.key("Return")],
  ] as const) {
    ctx.emit("action", actionEvent(name, input, 0, "startUrl"));
    const outcome = await act();
    ctx.emit("action_result", { ok: true, summary: outcome.changed ? "Done." : "Done; the screen did not visibly change.", step: 0 });
  }
}
