import { describe, expect, it } from "vitest";
import { ftsQuery } from "./fts-query.ts";

describe("ftsQuery", () => {
  it("turns words into quoted prefix terms", () => {
    expect(ftsQuery("parking permit")).toBe('"parking"* "permit"*');
  });

  it("neutralises FTS5 syntax so input can never be a query error", () => {
    expect(ftsQuery('"AND OR (NEAR* col:x')).toBe('"AND"* "OR"* "NEAR"* "col"* "x"*');
    expect(ftsQuery("  ** ( ) ")).toBeNull();
  });

  it("keeps non-Latin words", () => {
    expect(ftsQuery("Rechnung für München")).toBe('"Rechnung"* "für"* "München"*');
  });
});
