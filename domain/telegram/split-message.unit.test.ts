import { describe, expect, it } from "vitest";
import { parseMarkdownV2 } from "../../test-support/fake-telegram/markdown-v2.ts";
import { bold, code, escapeMarkdownV2, line, paragraph } from "./rich-text.ts";
import { splitMessage, TELEGRAM_TEXT_LIMIT } from "./split-message.ts";

describe("MarkdownV2 written by rich-text", () => {
  it("escapes every reserved character so Telegram's parser gives back the original text", () => {
    const nasty = "Price: $5.00 (20% off!) [a]_b_*c*~d~`e`>f#g+h-i=j|k{l}m\\n";
    expect(parseMarkdownV2(escapeMarkdownV2(nasty))).toEqual({ text: nasty, entities: [] });
    const l = line(bold("Done."), " task ", code("tsk_`x`\\y"), " (ok)");
    const parsed = parseMarkdownV2(l.markdown);
    expect(parsed.text).toBe(l.plain);
    expect(parsed.entities.map((e) => e.type)).toEqual(["bold", "code"]);
  });
});

describe("splitMessage", () => {
  it("keeps a short text in one message", () => {
    expect(splitMessage(paragraph("a\nb"))).toEqual([{ markdown: "a\nb", plain: "a\nb" }]);
  });

  it("splits on line boundaries so no message is over 4,096 visible characters", () => {
    const lines = Array.from({ length: 100 }, (_, i) => line(bold(`row ${i}.`), " ", "y".repeat(90)));
    const chunks = splitMessage(lines);
    expect(chunks.length).toBe(3);
    for (const c of chunks) {
      expect(c.plain.length).toBeLessThanOrEqual(TELEGRAM_TEXT_LIMIT);
      expect(parseMarkdownV2(c.markdown!).text).toBe(c.plain);
    }
    expect(chunks.flatMap((c) => c.plain.split("\n"))).toEqual(lines.map((l) => l.plain));
  });

  it("cuts a single over-long line into plain-text pieces", () => {
    const chunks = splitMessage([line("a"), line("z".repeat(9000)), line("b")]);
    expect(chunks.map((c) => [c.markdown === null, c.plain.length])).toEqual([[false, 1], [true, 4096], [true, 4096], [true, 808], [false, 1]]);
  });
});
