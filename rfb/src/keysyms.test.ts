import { describe, expect, it } from "vitest";
import { comboToKeyStrokes, Keysym, needsShiftOnUsLayout, parseKeyCombo, shiftedKeysym, textToKeyStrokes, textToKeysyms } from "./keysyms.ts";

describe("parseKeyCombo", () => {
  it.each([
    ["Return", [0xff0d]],
    ["enter", [0xff0d]],
    ["ctrl+shift+t", [0xffe3, 0xffe1, 0x54]],
    ["CTRL+Shift+T", [0xffe3, 0xffe1, 0x54]],
    ["ctrl+t", [0xffe3, 0x74]],
    ["super", [0xffeb]],
    ["cmd+c", [0xffeb, 0x63]],
    ["meta+space", [0xffeb, 0x20]],
    ["Meta_L", [0xffe7]],
    ["alt+F4", [0xffe9, 0xffc1]],
    ["F5", [0xffc2]],
    ["f12", [0xffc9]],
    ["KP_Enter", [0xff8d]],
    ["KP_5", [0xffb5]],
    ["Page_Down", [0xff56]],
    ["pagedown", [0xff56]],
    ["Next", [0xff56]],
    ["BackSpace", [0xff08]],
    ["space", [0x20]],
    ["Escape", [0xff1b]],
    ["ctrl+minus", [0xffe3, 0x2d]],
    ["ctrl++", [0xffe3, 0x2b]],
    ["Delete", [0xffff]],
    ["XF86AudioMute", [0x1008ff12]],
    ["é", [0xe9]],
  ])("maps %s to its keysyms in press order", (combo, keysyms) => {
    expect(parseKeyCombo(combo)).toEqual(keysyms);
  });

  it.each([
    ["ctrl+shift+k", [Keysym.Control_L, Keysym.Shift_L, 0x4b]],
    ["shift+ctrl+k", [Keysym.Shift_L, Keysym.Control_L, 0x4b]],
    ["Shift_R+a", [Keysym.Shift_R, 0x41]],
    ["shift+1", [Keysym.Shift_L, 0x21]],
    ["ctrl+shift+minus", [Keysym.Control_L, Keysym.Shift_L, 0x5f]],
    ["ctrl+shift+=", [Keysym.Control_L, Keysym.Shift_L, 0x2b]],
    ["shift+;", [Keysym.Shift_L, 0x3a]],
    ["shift+apostrophe", [Keysym.Shift_L, 0x22]],
    ["shift+grave", [Keysym.Shift_L, 0x7e]],
    ["shift+bracketleft", [Keysym.Shift_L, 0x7b]],
    ["shift+backslash", [Keysym.Shift_L, 0x7c]],
    ["shift+/", [Keysym.Shift_L, 0x3f]],
    ["ctrl+shift+é", [Keysym.Control_L, Keysym.Shift_L, 0xc9]],
    ["shift+ж", [Keysym.Shift_L, 0x01000416]],
  ])("sends %s with the keysym a keyboard gives with Shift held", (combo, keysyms) => {
    expect(parseKeyCombo(combo)).toEqual(keysyms);
  });

  it.each([
    ["shift+Tab", [Keysym.Shift_L, Keysym.Tab]],
    ["shift+F5", [Keysym.Shift_L, 0xffc2]],
    ["shift+ß", [Keysym.Shift_L, 0xdf]],
    ["shift+!", [Keysym.Shift_L, 0x21]],
    ["k+shift", [0x6b, Keysym.Shift_L]],
  ])("leaves %s as written: no capital, already shifted, or pressed before Shift", (combo, keysyms) => {
    expect(parseKeyCombo(combo)).toEqual(keysyms);
  });

  it("rejects an unknown key name with a hint at valid ones", () => {
    expect(() => parseKeyCombo("ctrl+Retrun")).toThrow(/Unknown key name "Retrun"; use an X keysym name such as Return/);
  });

  it("rejects an empty part such as a doubled separator", () => {
    expect(() => parseKeyCombo("ctrl++t")).toThrow(/empty part/);
  });
});

describe("comboToKeyStrokes", () => {
  it("holds Shift around the capital, as a keyboard does for ctrl+shift+k", () => {
    expect(comboToKeyStrokes("ctrl+shift+k")).toEqual([
      { keysym: Keysym.Control_L, down: true },
      { keysym: Keysym.Shift_L, down: true },
      { keysym: 0x4b, down: true },
      { keysym: 0x4b, down: false },
      { keysym: Keysym.Shift_L, down: false },
      { keysym: Keysym.Control_L, down: false },
    ]);
  });

  it("presses modifiers in order and releases in reverse", () => {
    expect(comboToKeyStrokes("ctrl+alt+Delete")).toEqual([
      { keysym: Keysym.Control_L, down: true },
      { keysym: Keysym.Alt_L, down: true },
      { keysym: Keysym.Delete, down: true },
      { keysym: Keysym.Delete, down: false },
      { keysym: Keysym.Alt_L, down: false },
      { keysym: Keysym.Control_L, down: false },
    ]);
  });
});

describe("shiftedKeysym", () => {
  it("agrees with needsShiftOnUsLayout on which characters a US layout types with Shift", () => {
    const printable = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i));
    const shiftedOutputs = new Set(printable.map((c) => shiftedKeysym(c.charCodeAt(0))).filter((k, i) => k !== printable[i]!.charCodeAt(0)));
    expect(printable.filter((c) => shiftedOutputs.has(c.charCodeAt(0)))).toEqual(printable.filter(needsShiftOnUsLayout));
  });
});

describe("textToKeysyms", () => {
  it("sends Latin-1 as itself and other characters in the Unicode keysym range", () => {
    expect(textToKeysyms("aZ~ é€中😀")).toEqual([0x61, 0x5a, 0x7e, 0x20, 0xe9, 0x010020ac, 0x01004e2d, 0x0101f600]);
  });

  it("turns newlines (including CRLF) into Return and tabs into Tab", () => {
    expect(textToKeysyms("a\r\nb\nc\td")).toEqual([0x61, 0xff0d, 0x62, 0xff0d, 0x63, 0xff09, 0x64]);
  });

  it("refuses control characters that no key types", () => {
    expect(() => textToKeysyms("a\u0007")).toThrow(/U\+0007 cannot be typed/);
  });
});

describe("textToKeyStrokes", () => {
  it("leaves Shift to the server by default", () => {
    expect(textToKeyStrokes("A!").map((s) => s.keysym)).toEqual([0x41, 0x41, 0x21, 0x21]);
  });

  it("wraps US-shifted characters in Shift when asked", () => {
    expect(textToKeyStrokes("a?", { explicitShift: true })).toEqual([
      { keysym: 0x61, down: true },
      { keysym: 0x61, down: false },
      { keysym: Keysym.Shift_L, down: true },
      { keysym: 0x3f, down: true },
      { keysym: 0x3f, down: false },
      { keysym: Keysym.Shift_L, down: false },
    ]);
  });
});
