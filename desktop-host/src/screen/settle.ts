// Waits for the screen to settle after an action by watching framebuffer
// updates, instead of sleeping a fixed 2 s. Quiet alone is not enough: a page
// that reacts 500 ms after a click is quiet before it changes. So: wait a
// bounded while for a meaningful change, then for quiet, all under a cap.
// Pure over an update source and a clock, so tests drive it with a fake clock.

export type Rect = { x: number; y: number; width: number; height: number };
/** An updated rectangle; `damage` as RfbClient reports it (see UpdateRect). */
export type SettleRect = Rect & { encoding?: number; damage?: Rect | null };

/** Anything that reports framebuffer updates; RfbClient fits as is. */
export type UpdateSource = {
  on(event: "update", listener: (update: { rects: readonly SettleRect[] }) => void): () => void;
};

export type Clock = {
  now(): number;
  /** Calls `callback` after `ms`; returns a function that cancels it. */
  setTimer(ms: number, callback: () => void): () => void;
};

export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer: (ms, callback) => {
    const handle = setTimeout(callback, ms);
    return () => clearTimeout(handle);
  },
};

export type SettleOptions = {
  /**
   * How long to wait for the action to show. Default 700 ms: DESIGN's late
   * reaction case is 500 ms; x11vnc delivered input effects 16–35 ms after the
   * event here; the rest is headroom for slower servers and links. Every action
   * that changes nothing pays exactly this, instead of a fixed 2 s.
   */
  changeWindowMs?: number;
  /** No meaningful update for this long after a change means settled. Default 300 ms. */
  quietMs?: number;
  /**
   * The quiet after a tail repaint instead: an update under a tenth of the
   * largest one so far in this settle, such as a scrollbar thumb's last
   * repaint or text re-rastered in place after the frames of a scroll moved
   * the whole view. Big frames may stall on a busy machine; the repaints that
   * follow them are what an animation's end looks like. Default `quietMs`.
   */
  tailQuietMs?: number;
  /** Hard bound on the whole wait, counted from the end of the action. Default 3000 ms. */
  capMs?: number;
  /**
   * Pixels an update must touch outside `ignore` to count. Default 64: less
   * than one typed glyph (x11vnc showed a typed digit as 288 px). A blinking
   * caret never counts (see meaningfulArea), so it neither fakes a change nor
   * holds quiet open.
   */
  minChangeArea?: number;
  /** Regions whose updates never count, e.g. `pointerRegion()` of the old and new pointer positions. */
  ignore?: readonly Rect[];
  /**
   * Never settle before this (from the end of the action), even after an early
   * change went quiet: a click often repaints a focus ring at once and the real
   * reaction 500 ms later. Default 0. See settle-policy.ts for per-action values.
   */
  minWaitMs?: number;
  /**
   * Told, whenever quiet starts being counted, in how many ms the screen will
   * count as settled unless it changes again: a screenshot can be made ready
   * by then (see ModelFrame.workAheadIn).
   */
  onQuiet?: (settledInMs: number) => void;
};

export type SettleReason = "settled" | "no-change" | "cap";

/** An update smaller than this share of the largest one so far is a tail repaint (see tailQuietMs). */
const TAIL_SHARE = 0.1;

export type SettleResult = {
  changed: boolean;
  /** settled: changed then went quiet; no-change: nothing meaningful within the window; cap: still changing at the cap. */
  reason: SettleReason;
  /** From the end of the action to the verdict: the cost of waiting. */
  elapsedMs: number;
  /** When the first meaningful update arrived (may be negative: during the action). */
  firstChangeMs?: number;
  lastChangeMs?: number;
  updates: number;
  /** Updates that did not count: only cursor, only tiny regions, only pseudo-rectangles. */
  ignoredUpdates: number;
  changedArea: number;
};

/** A box around a pointer position that any cursor image (≤ 32 px, any hotspot) fits in. */
export function pointerRegion(point: { x: number; y: number }, size = 32): Rect {
  return { x: point.x - size, y: point.y - size, width: size * 2, height: size * 2 };
}

/**
 * Pixels of `rects` outside `ignore` (ignore regions are assumed not to
 * overlap each other). A rectangle the client compared with what it replaced
 * (`damage`) and found unchanged counts nothing, and an update whose every
 * change is one thin column — a text caret blinking — counts nothing either:
 * the caret comes and goes every half second in any focused field and would
 * otherwise hold every settle open. Typing or moving the caret changes more
 * than one column. Otherwise whole rectangles count, as the server sent them:
 * a glyph typed next to the pointer is inside the pointer's box, while the
 * server's tile around it usually is not.
 */
export function meaningfulArea(rects: readonly SettleRect[], ignore: readonly Rect[] = []): number {
  let area = 0;
  let allCompared = true;
  let union: Rect | undefined;
  for (const rect of rects) {
    if (rect.encoding !== undefined && rect.encoding < 0) continue; // pseudo-encoding: no pixels
    if (rect.damage === null) continue;
    if (rect.damage === undefined) allCompared = false;
    let visible = rect.width * rect.height;
    for (const region of ignore) visible -= overlap(rect, region);
    if (visible <= 0) continue;
    area += visible;
    const box = rect.damage ?? rect;
    union = union ? unionOf(union, box) : box;
  }
  return allCompared && union && isCaretLike(union) ? 0 : area;
}

/** A text caret: at most 2 px wide and as tall as a line of large text. */
export function isCaretLike(box: Rect): boolean {
  return box.width <= 2 && box.height <= 64;
}

function unionOf(a: Rect, b: Rect): Rect {
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return { x, y, width: Math.max(a.x + a.width, b.x + b.width) - x, height: Math.max(a.y + a.height, b.y + b.height) - y };
}

/**
 * Runs `action`, then resolves once the screen has settled. Subscribes before
 * the action, so an update that races the action's own completion still counts.
 */
export async function settleAfter(
  source: UpdateSource,
  action: () => unknown,
  options: SettleOptions = {},
  clock: Clock = systemClock,
): Promise<SettleResult> {
  const changeWindowMs = options.changeWindowMs ?? 700;
  const quietMs = options.quietMs ?? 300;
  const tailQuietMs = options.tailQuietMs ?? quietMs;
  const capMs = options.capMs ?? 3000;
  const minArea = options.minChangeArea ?? 64;
  const ignore = options.ignore ?? [];
  const minWaitMs = Math.min(options.minWaitMs ?? 0, capMs);

  let start = clock.now();
  let actionDone = false;
  let updates = 0;
  let ignoredUpdates = 0;
  let changedArea = 0;
  let firstChange: number | undefined;
  let lastChange: number | undefined;
  let largestArea = 0;
  let lastWasTail = false;
  let cancelTimer: () => void = () => undefined;
  let finish: (reason: SettleReason) => void = () => undefined;
  const result = new Promise<SettleResult>((resolve) => {
    finish = (reason) => {
      cancelTimer();
      unsubscribe();
      const since = (t: number | undefined) => (t === undefined ? undefined : Math.round(t - start));
      resolve({
        changed: firstChange !== undefined,
        reason,
        elapsedMs: Math.round(clock.now() - start),
        ...(firstChange !== undefined && { firstChangeMs: since(firstChange), lastChangeMs: since(lastChange) }),
        updates,
        ignoredUpdates,
        changedArea,
      });
    };
  });

  // One timer, re-armed on every meaningful update: either the change window,
  // or the quiet period after the latest change, never past the cap.
  const arm = () => {
    cancelTimer();
    const cap = start + capMs;
    const wait = (at: number, reason: SettleReason) => {
      cancelTimer = clock.setTimer(Math.max(0, at - clock.now()), () => finish(reason));
    };
    if (lastChange === undefined) {
      wait(Math.min(start + changeWindowMs, cap), "no-change");
    } else {
      const due = Math.max(lastChange + (lastWasTail ? tailQuietMs : quietMs), start + minWaitMs);
      wait(Math.min(due, cap), due > cap ? "cap" : "settled");
      if (due <= cap) options.onQuiet?.(due - clock.now());
    }
  };

  const unsubscribe = source.on("update", ({ rects }) => {
    updates++;
    const area = meaningfulArea(rects, ignore);
    if (area < minArea) {
      ignoredUpdates++;
      return;
    }
    changedArea += area;
    lastWasTail = area < largestArea * TAIL_SHARE;
    largestArea = Math.max(largestArea, area);
    const now = clock.now();
    firstChange ??= now;
    lastChange = now;
    if (actionDone) arm();
  });

  try {
    await action();
  } catch (error) {
    cancelTimer();
    unsubscribe();
    throw error;
  }
  actionDone = true;
  start = clock.now();
  arm();
  return result;
}

function overlap(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}
