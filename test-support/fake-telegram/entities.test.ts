import { describe, expect, it } from "vitest";
import { parseHtml } from "./html.ts";
import { parseMarkdownV2 } from "./markdown-v2.ts";

describe("MarkdownV2 as Telegram parses it", () => {
  it("turns markers into entities with UTF-16 offsets", () => {
    expect(parseMarkdownV2("*bold* _it_ __under__ ~s~ ||sp|| `c` [link](https://example.com/a\\)b)")).toEqual({
      text: "bold it under s sp c link",
      entities: [
        { type: "bold", offset: 0, length: 4 },
        { type: "italic", offset: 5, length: 2 },
        { type: "underline", offset: 8, length: 5 },
        { type: "strikethrough", offset: 14, length: 1 },
        { type: "spoiler", offset: 16, length: 2 },
        { type: "code", offset: 19, length: 1 },
        { type: "text_link", offset: 21, length: 4, url: "https://example.com/a)b" },
      ],
    });
  });

  it("counts offsets in UTF-16 code units, so an emoji counts twice", () => {
    expect(parseMarkdownV2("😀 *x*").entities).toEqual([{ type: "bold", offset: 3, length: 1 }]);
  });

  it("rejects each unescaped reserved character with Telegram's message", () => {
    for (const c of ["#", "+", "-", "=", "{", "}", ".", "!", "(", ")", "]"]) {
      expect(() => parseMarkdownV2(`a ${c} b`)).toThrow(`Character '${c}' is reserved and must be escaped with the preceding '\\'`);
    }
    expect(() => parseMarkdownV2("a | b")).toThrow("Character '|' is reserved");
    expect(() => parseMarkdownV2("x > y")).toThrow("Character '>' is reserved");
  });

  it("accepts every reserved character when escaped", () => {
    expect(parseMarkdownV2("\\_\\*\\[\\]\\(\\)\\~\\`\\>\\#\\+\\-\\=\\|\\{\\}\\.\\!")).toEqual({ text: "_*[]()~`>#+-=|{}.!", entities: [] });
  });

  it("reports an unclosed entity with its UTF-8 byte offset", () => {
    expect(() => parseMarkdownV2("ü *bold")).toThrow("Can't find end of Bold entity at byte offset 3");
    expect(() => parseMarkdownV2("`code")).toThrow("Can't find end of Code entity at byte offset 0");
  });

  it("treats only backquote and backslash as special inside code and pre", () => {
    expect(parseMarkdownV2("`a.b-c!`")).toEqual({ text: "a.b-c!", entities: [{ type: "code", offset: 0, length: 6 }] });
    expect(parseMarkdownV2("```ts\nlet x = 1;\n```")).toEqual({ text: "let x = 1;\n", entities: [{ type: "pre", offset: 0, length: 11, language: "ts" }] });
  });

  it("makes a blockquote of lines starting with >", () => {
    expect(parseMarkdownV2(">quoted\n>more\nafter")).toEqual({ text: "quoted\nmore\nafter", entities: [{ type: "blockquote", offset: 0, length: 11 }] });
  });
});

describe("HTML as Telegram parses it", () => {
  it("maps supported tags to entities and decodes the four named entities", () => {
    expect(parseHtml('<b>a<i>b</i></b> &lt;x&gt; &amp; <a href="https://e.com">l</a> <pre><code class="language-js">1</code></pre>')).toEqual({
      text: "ab <x> & l 1",
      entities: [
        { type: "bold", offset: 0, length: 2 },
        { type: "italic", offset: 1, length: 1 },
        { type: "text_link", offset: 9, length: 1, url: "https://e.com" },
        { type: "pre", offset: 11, length: 1, language: "js" },
      ],
    });
  });

  it("rejects unsupported, unclosed and mismatched tags", () => {
    expect(() => parseHtml("a <br> b")).toThrow('Unsupported start tag "br" at byte offset 2');
    expect(() => parseHtml("<b>open")).toThrow('Can\'t find end tag corresponding to start tag "b"');
    expect(() => parseHtml("<b><i>x</b></i>")).toThrow('Unmatched end tag at byte offset 7, expected "</i>", found "</b>"');
    expect(() => parseHtml("x </b>")).toThrow("Unexpected end tag at byte offset 2");
    expect(() => parseHtml("a <b")).toThrow("Unclosed start tag at byte offset 2");
  });
});

describe("entities Telegram adds to a person's text", () => {
  it("marks @usernames as mentions, but not inside a command addressed to a bot or an email address", async () => {
    const { autoEntities } = await import("./entities.ts");
    expect(autoEntities({ text: "@deskfleet_test_bot what runs?", entities: [] }).entities).toEqual([{ type: "mention", offset: 0, length: 19 }]);
    expect(autoEntities({ text: "/run@deskfleet_test_bot hi", entities: [] }).entities).toEqual([{ type: "bot_command", offset: 0, length: 23 }]);
    expect(autoEntities({ text: "mail ada@example.com", entities: [] }).entities).toEqual([]);
  });
});
