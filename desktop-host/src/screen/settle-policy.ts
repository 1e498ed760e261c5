import type { SettleOptions } from "./settle.ts";

/**
 * How long to watch the screen after each kind of action. The figures come
 * from bench/host.ts on a real desktop (see bench/RESULTS.md): typing echoes
 * within tens of milliseconds, while clicks and key presses (Return, shortcuts)
 * are what trigger late reactions — timers, requests, navigation.
 */
export type ActionKind = "click" | "drag" | "key" | "edit" | "type" | "scroll" | "move" | "other";

export function settlePolicy(kind: ActionKind): SettleOptions {
  switch (kind) {
    case "click":
    case "drag":
      // A focus ring repaints at once; the page's own reaction may come 500 ms later.
      return { changeWindowMs: 700, minWaitMs: 600, quietMs: 300 };
    case "key":
      // Return, Tab, Escape, arrows, page keys, shortcuts: they may start something (a
      // submit, a dialog, a smooth scroll), so quiet as long as for a click.
      return { changeWindowMs: 700, quietMs: 300 };
    case "edit":
      // BackSpace, Delete, select all, copy, cut, paste, undo: they change the text where it
      // is, in one repaint that x11vnc delivered 30–95 ms after the key; 100 ms of quiet after
      // it covers a repaint split over two of x11vnc's polls.
      return { changeWindowMs: 700, quietMs: 100 };
    case "type":
      // Characters echo at once (one or two updates, 25 ms apart, 50–95 ms after the keys here);
      // nothing within 300 ms means nothing visible happened. 100 ms of quiet after the echo
      // misses what a page does later on its own (suggestions after a debounce); text with a
      // Return or a Tab in it settles as a key instead.
      return { changeWindowMs: 300, quietMs: 100 };
    case "scroll":
      // Chromium animates a wheel scroll over ~100–250 ms. Through x11vnc (-noscr, default
      // polling) its frames, each moving the whole view, come ~30–45 ms apart, but on a busy
      // machine (load 4–10 on the bench's 2 cores) now and then 150–330 ms apart. About half
      // of the animations end with small repaints in place, pairs of them ~25 ms apart (the
      // scrollbar thumb's final position, row edges re-rastered): after one of those, 80 ms
      // of quiet; after a frame, 300. Replayed on the updates of 315 scrolls of
      // bench/host.ts's page, 150 ms of quiet after any change left the view still moving
      // after 18 screenshots; this policy after 5, for a median of 438 ms from the wheel to
      // the answer against 429. A repaint in place may still come 400–1000 ms after the
      // wheel (Chromium's scroll end): waiting for it would cost every scroll ~1 s.
      return { changeWindowMs: 400, quietMs: 300, tailQuietMs: 80 };
    case "move":
      // Hover effects only.
      return { changeWindowMs: 250, quietMs: 150 };
    case "other":
      return {};
  }
}
