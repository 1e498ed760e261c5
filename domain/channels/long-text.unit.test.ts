import { describe, expect, it } from "vitest";
import { longTextAsFile } from "./long-text.ts";

describe("a long text in a chat", () => {
  it("goes as messages up to three times the platform's message limit", () => {
    expect(longTextAsFile("x".repeat(4_096 * 3), 4_096, "reply.txt")).toBeNull();
  });

  it("goes as a .txt file with a short lead once it is longer, the file holding every character", () => {
    const text = `First line of the report.\n${"word ".repeat(3_000)}the end`;
    const out = longTextAsFile(text, 4_096, "result.txt")!;
    expect(out.file.name).toBe("result.txt");
    expect(new TextDecoder().decode(out.file.bytes)).toBe(text);
    expect(out.lead.startsWith("First line of the report. word word")).toBe(true);
    expect(out.lead).toContain(`(${text.length.toLocaleString("en-US")} characters: the whole text is in result.txt)`);
    expect(out.lead.length).toBeLessThan(400);
  });
});
