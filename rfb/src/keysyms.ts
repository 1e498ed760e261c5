import type { KeyStroke } from "./rfb-client.ts";

// X11 keysyms for xdotool-style key combos and for typing text. RFB key
// events carry keysyms, not keycodes, so these values are the whole contract.

export const Keysym = {
  BackSpace: 0xff08, Tab: 0xff09, Return: 0xff0d, Pause: 0xff13, Scroll_Lock: 0xff14, Sys_Req: 0xff15,
  Escape: 0xff1b, Delete: 0xffff, Home: 0xff50, Left: 0xff51, Up: 0xff52, Right: 0xff53, Down: 0xff54,
  Page_Up: 0xff55, Page_Down: 0xff56, End: 0xff57, Begin: 0xff58, Print: 0xff61, Insert: 0xff63,
  Menu: 0xff67, Help: 0xff6a, Break: 0xff6b, Num_Lock: 0xff7f,
  KP_Space: 0xff80, KP_Tab: 0xff89, KP_Enter: 0xff8d, KP_Home: 0xff95, KP_Left: 0xff96, KP_Up: 0xff97,
  KP_Right: 0xff98, KP_Down: 0xff99, KP_Page_Up: 0xff9a, KP_Page_Down: 0xff9b, KP_End: 0xff9c,
  KP_Begin: 0xff9d, KP_Insert: 0xff9e, KP_Delete: 0xff9f, KP_Equal: 0xffbd, KP_Multiply: 0xffaa,
  KP_Add: 0xffab, KP_Separator: 0xffac, KP_Subtract: 0xffad, KP_Decimal: 0xffae, KP_Divide: 0xffaf,
  Shift_L: 0xffe1, Shift_R: 0xffe2, Control_L: 0xffe3, Control_R: 0xffe4, Caps_Lock: 0xffe5,
  Meta_L: 0xffe7, Meta_R: 0xffe8, Alt_L: 0xffe9, Alt_R: 0xffea, Super_L: 0xffeb, Super_R: 0xffec,
  Hyper_L: 0xffed, Hyper_R: 0xffee, ISO_Level3_Shift: 0xfe03,
  XF86AudioLowerVolume: 0x1008ff11, XF86AudioMute: 0x1008ff12, XF86AudioRaiseVolume: 0x1008ff13,
  XF86AudioPlay: 0x1008ff14, XF86AudioStop: 0x1008ff15, XF86AudioPrev: 0x1008ff16, XF86AudioNext: 0x1008ff17,
} as const;

// Modifier words models and people write; matched case-insensitively.
// cmd/meta/win map to Super: that is the key macOS VNC servers treat as Command
// and Linux desktops as the "Windows" key. Meta_L itself stays reachable by name.
const MODIFIERS: Record<string, number> = {
  ctrl: Keysym.Control_L, control: Keysym.Control_L, shift: Keysym.Shift_L,
  alt: Keysym.Alt_L, option: Keysym.Alt_L, opt: Keysym.Alt_L, altgr: Keysym.ISO_Level3_Shift,
  super: Keysym.Super_L, cmd: Keysym.Super_L, command: Keysym.Super_L, meta: Keysym.Super_L,
  win: Keysym.Super_L, windows: Keysym.Super_L,
};

// Friendly aliases beyond the X names (xdotool accepts the X names; models also write these).
const ALIASES: Record<string, number> = {
  enter: Keysym.Return, esc: Keysym.Escape, del: Keysym.Delete, backspace: Keysym.BackSpace,
  pageup: Keysym.Page_Up, pgup: Keysym.Page_Up, prior: Keysym.Page_Up,
  pagedown: Keysym.Page_Down, pgdn: Keysym.Page_Down, next: Keysym.Page_Down,
  ins: Keysym.Insert, printscreen: Keysym.Print, capslock: Keysym.Caps_Lock,
  arrowleft: Keysym.Left, arrowright: Keysym.Right, arrowup: Keysym.Up, arrowdown: Keysym.Down,
};

// X names for printable ASCII, as xdotool accepts them ("minus", "plus", "space").
const PUNCTUATION: Record<string, string> = {
  space: " ", exclam: "!", quotedbl: '"', numbersign: "#", dollar: "$", percent: "%", ampersand: "&",
  apostrophe: "'", quoteright: "'", parenleft: "(", parenright: ")", asterisk: "*", plus: "+", comma: ",",
  minus: "-", period: ".", slash: "/", colon: ":", semicolon: ";", less: "<", equal: "=", greater: ">",
  question: "?", at: "@", bracketleft: "[", backslash: "\\", bracketright: "]", asciicircum: "^",
  underscore: "_", grave: "`", quoteleft: "`", braceleft: "{", bar: "|", braceright: "}", asciitilde: "~",
};

const BY_LOWER_NAME = new Map<string, number>();
for (const [name, value] of Object.entries(Keysym)) BY_LOWER_NAME.set(name.toLowerCase(), value);
for (const [name, value] of Object.entries(ALIASES)) BY_LOWER_NAME.set(name, value);
for (const [name, char] of Object.entries(PUNCTUATION)) BY_LOWER_NAME.set(name, char.charCodeAt(0));
for (let n = 1; n <= 35; n++) BY_LOWER_NAME.set(`f${n}`, 0xffbe + n - 1);
for (let n = 0; n <= 9; n++) BY_LOWER_NAME.set(`kp_${n}`, 0xffb0 + n);

export class KeyComboError extends Error {
  readonly code = "invalid-key";

  constructor(message: string) {
    super(message);
    this.name = "KeyComboError";
  }
}

/** Resolves one key name ("Return", "F5", "a", "minus", "ctrl") to its keysym. */
export function keysymForName(name: string): number {
  const modifier = MODIFIERS[name.toLowerCase()];
  if (modifier !== undefined) return modifier;
  // A single character is itself: "t" and "T" stay distinct, as in xdotool.
  if ([...name].length === 1) return keysymForCodePoint(name.codePointAt(0)!);
  const named = BY_LOWER_NAME.get(name.toLowerCase());
  if (named !== undefined) return named;
  const hex = /^0x([0-9a-f]{1,8})$/i.exec(name);
  if (hex) return parseInt(hex[1]!, 16);
  throw new KeyComboError(`Unknown key name "${name}"; use an X keysym name such as Return, Page_Down, F5, KP_Enter or a single character.`);
}

/**
 * "ctrl+shift+t" → [Control_L, Shift_L, T]: the order in which to press; release
 * in reverse. A lone "+" and a trailing "+" (as in "ctrl++") mean the plus key.
 * A key pressed after Shift is sent as the keysym a keyboard with Shift held
 * produces (see `shiftedKeysym`).
 */
export function parseKeyCombo(combo: string): number[] {
  const trimmed = combo.trim();
  if (trimmed === "") throw new KeyComboError("Empty key combo; pass a key such as Return or ctrl+c.");
  const parts = trimmed === "+" ? ["+"] : trimmed.endsWith("++") ? [...trimmed.slice(0, -2).split("+"), "+"] : trimmed.split("+");
  let shiftHeld = false;
  return parts.map((part) => {
    if (part.trim() === "") throw new KeyComboError(`Key combo "${combo}" has an empty part; write keys joined by "+", e.g. ctrl+shift+t.`);
    const keysym = keysymForName(part.trim());
    if (keysym === Keysym.Shift_L || keysym === Keysym.Shift_R) shiftHeld = true;
    return shiftHeld ? shiftedKeysym(keysym) : keysym;
  });
}

// Each US-layout key's character without and with Shift, in pairs.
const US_SHIFT_PAIRS = "`~1!2@3#4$5%6^7&8*9(0)-_=+[{]}\\|;:'\",<.>/?";
const US_SHIFTED_SYMBOL = new Map<number, number>();
for (let i = 0; i < US_SHIFT_PAIRS.length; i += 2) US_SHIFTED_SYMBOL.set(US_SHIFT_PAIRS.charCodeAt(i), US_SHIFT_PAIRS.charCodeAt(i + 1));

/**
 * The keysym a keyboard produces for this key with Shift held: a letter's
 * capital, a US-layout symbol's shifted symbol ("1" → "!", "-" → "_"), any
 * other key itself. noVNC sends keys this way. VNC servers map a keysym to a
 * key and level, so a lowercase "k" while Shift is down asks for a key no
 * keyboard gives: x11vnc releases Shift to make it (ctrl+shift+t reached
 * Chromium as ctrl+t), TigerVNC's Xvnc toggles Caps Lock.
 */
export function shiftedKeysym(keysym: number): number {
  const symbol = US_SHIFTED_SYMBOL.get(keysym);
  if (symbol !== undefined) return symbol;
  const codePoint = keysym >= 0x01000000 ? keysym - 0x01000000 : keysym <= 0xff ? keysym : undefined;
  if (codePoint === undefined) return keysym;
  const char = String.fromCodePoint(codePoint);
  const upper = char.toUpperCase();
  // Only a letter with a one-character capital that lowercases back to it ("ß" → "SS" and "µ" → "Μ" stay as they are).
  if (upper === char || [...upper].length !== 1 || upper.toLowerCase() !== char) return keysym;
  return keysymForCodePoint(upper.codePointAt(0)!);
}

/** Press every key in order, then release them in reverse: what a person's hands do. */
export function comboToKeyStrokes(combo: string): KeyStroke[] {
  const keysyms = parseKeyCombo(combo);
  return [...keysyms.map((keysym) => ({ keysym, down: true })), ...keysyms.toReversed().map((keysym) => ({ keysym, down: false }))];
}

/**
 * The keysym for a character: Latin-1 maps directly, everything else to
 * 0x01000000 + code point (the X11 Unicode keysym range).
 */
export function keysymForCodePoint(codePoint: number): number {
  if (codePoint === 0x0a || codePoint === 0x0d) return Keysym.Return;
  if (codePoint === 0x09) return Keysym.Tab;
  if (codePoint === 0x08) return Keysym.BackSpace;
  if (codePoint === 0x1b) return Keysym.Escape;
  if ((codePoint >= 0x20 && codePoint <= 0x7e) || (codePoint >= 0xa0 && codePoint <= 0xff)) return codePoint;
  if (codePoint < 0x20 || (codePoint >= 0x7f && codePoint < 0xa0)) {
    throw new KeyComboError(`Control character U+${codePoint.toString(16).padStart(4, "0")} cannot be typed; send a key combo instead.`);
  }
  return 0x01000000 + codePoint;
}

/** Keysyms to type `text`, one per character; "\r\n" counts as one Return. */
export function textToKeysyms(text: string): number[] {
  return [...text.replace(/\r\n/g, "\n")].map((char) => keysymForCodePoint(char.codePointAt(0)!));
}

// On a US layout these need Shift. Servers that map keysyms to keys for us
// (x11vnc, TigerVNC, macOS Screen Sharing) add Shift themselves, and an extra
// Shift from us can even produce the wrong character on other layouts; so we
// send bare keysyms by default and add Shift only when asked.
const US_SHIFTED = new Set([...US_SHIFTED_SYMBOL.values()].map((keysym) => String.fromCharCode(keysym)).join("") + "ABCDEFGHIJKLMNOPQRSTUVWXYZ");

export function needsShiftOnUsLayout(char: string): boolean {
  return US_SHIFTED.has(char);
}

/**
 * Key presses and releases that type `text`. With `explicitShift`, characters
 * that need Shift on a US layout are wrapped in Shift_L, for servers that
 * inject raw keycodes without adding modifiers themselves.
 */
export function textToKeyStrokes(text: string, options: { explicitShift?: boolean } = {}): KeyStroke[] {
  const strokes: KeyStroke[] = [];
  for (const char of text.replace(/\r\n/g, "\n")) {
    const keysym = keysymForCodePoint(char.codePointAt(0)!);
    const shift = options.explicitShift === true && needsShiftOnUsLayout(char);
    if (shift) strokes.push({ keysym: Keysym.Shift_L, down: true });
    strokes.push({ keysym, down: true }, { keysym, down: false });
    if (shift) strokes.push({ keysym: Keysym.Shift_L, down: false });
  }
  return strokes;
}
