import { describe, expect, it } from "vitest";
import { memoryQuery, searchTerms } from "./memory-query.ts";

describe("the memory search query", () => {
  it("matches any of the words, longer ones as prefixes, each quoted", () => {
    expect(memoryQuery("Cookie wall on shop")).toBe('"cookie"* OR "wall"* OR "shop"*');
  });

  it("leaves out words that say nothing about a memory and repeats no word", () => {
    expect(searchTerms("How do I get past the cookie banner on https://www.shop.example.com, the cookie one?")).toEqual(["past", "cookie", "banner", "shop", "one"]);
  });

  it("matches short words exactly so they do not find every longer word", () => {
    expect(memoryQuery("VAT id")).toBe('"vat" OR "id"');
  });

  it("keeps FTS operators and quotes from the input out of the expression", () => {
    expect(memoryQuery('invoice" OR NEAR(x) -drop *')).toBe('"invoice"* OR "near"* OR "drop"*');
  });

  it("has nothing to search for in function words alone", () => {
    expect(memoryQuery("what is the")).toBeNull();
    expect(memoryQuery("   ")).toBeNull();
  });
});

describe("word stems for comparing words outside FTS5", () => {
  it("meets plurals and other forms of a word", async () => {
    const { wordStem } = await import("./memory-query.ts");
    expect(wordStem("invoices")).toBe(wordStem("invoicing"));
    expect(wordStem("shops")).toBe(wordStem("shop"));
    expect(wordStem("class")).toBe("class");
    expect(wordStem("bus")).toBe("bus");
  });
});
