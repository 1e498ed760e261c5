import { describe, expect, it } from "vitest";
import { MAX_CLOSE_REASON_BYTES, truncateReason } from "./close-reason.ts";

const bytes = (s: string) => new TextEncoder().encode(s).length;

describe("truncateReason", () => {
  it("keeps a reason that fits a close frame as it is", () => {
    const fits = "x".repeat(MAX_CLOSE_REASON_BYTES);
    expect(truncateReason(fits)).toBe(fits);
  });

  it("cuts a longer reason to 123 bytes and marks the cut with an ellipsis", () => {
    const cut = truncateReason("y".repeat(300));
    expect(bytes(cut)).toBeLessThanOrEqual(MAX_CLOSE_REASON_BYTES);
    expect(cut).toBe("y".repeat(120) + "…");
  });

  it("never splits a character in two", () => {
    const cut = truncateReason("é".repeat(100));
    expect(bytes(cut)).toBeLessThanOrEqual(MAX_CLOSE_REASON_BYTES);
    expect(cut).toBe("é".repeat(60) + "…");
    const odd = truncateReason("a" + "é".repeat(100));
    expect(odd).toBe("a" + "é".repeat(59) + "…");
    expect(odd).not.toContain("\uFFFD");
  });
});
