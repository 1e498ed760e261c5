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
      // Chromium animates a wheel scroll over ~100–250 ms; x11vnc delivered its
      // frames 21–67 ms apart (p90 ~55 ms, 60 gaps over 18 scrolls of
      // bench/host.ts once the host stopped working during animations; 87 ms
      // was the longest in 109 gaps through a bare RFB client). 150 ms of quiet
      // is over twice the longest gap, so a scroll is not cut mid-animation.
      return { changeWindowMs: 400, quietMs: 150 };
    case "move":
      // Hover effects only.
      return { changeWindowMs: 250, quietMs: 150 };
    case "other":
      return {};
  }
}
