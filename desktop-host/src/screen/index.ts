/** How the host decides that the screen has settled after an action. */
export { isCaretLike, pointerRegion, type Rect, type SettleRect, type SettleResult } from "./settle.ts";
