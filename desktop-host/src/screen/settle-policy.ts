import type { SettleOptions } from "./settle.ts";

/**
 * How long to watch the screen after each kind of action. The figures come
 * from bench/host.ts on a real desktop (see bench/RESULTS.md): typing echoes
 * within tens of milliseconds, while clicks and key presses (Return, shortcuts)
 * are what trigger late reactions — timers, requests, navigation.
 */
export type ActionKind = "click" | "drag" | "key" | "type" | "scroll" | "move" | "other";

export function settlePolicy(kind: ActionKind): SettleOptions {
  switch (kind) {
    case "click":
    case "drag":
      // A focus ring repaints at once; the page's own reaction may come 500 ms later.
      return { changeWindowMs: 700, minWaitMs: 600, quietMs: 300 };
    case "key":
      return { changeWindowMs: 700, quietMs: 300 };
    case "type":
      // Characters echo immediately; nothing within 300 ms means nothing visible happened.
      return { changeWindowMs: 300, quietMs: 250 };
    case "scroll":
      // Chromium animates a wheel scroll over ~100–250 ms. With x11vnc (-noscr, default
      // polling) its frames came 30 ms apart at the median, p90 39, p99 96 ms, the longest
      // 172 ms (210 gaps over 48 scrolls of bench/host.ts's page); the animation's last frame
      // came 189 ms after the wheel at the median. 150 ms of quiet is well over the usual gap;
      // 100 ms left the page still moving after 4 of 30 screenshots (150: 1 of 30).
      return { changeWindowMs: 400, quietMs: 150 };
    case "move":
      // Hover effects only.
      return { changeWindowMs: 250, quietMs: 150 };
    case "other":
      return {};
  }
}
