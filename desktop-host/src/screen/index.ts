/** How the host decides that the screen has settled after an action. */
export { isCaretLike, type SettleResult } from "./settle.ts";
