import { describe, expect, it } from "vitest";
import { concatBytes } from "./bytes.ts";

describe("concatBytes", () => {
  it("joins the parts in order, views included", () => {
    const backing = Uint8Array.of(9, 9, 3, 4, 9);
    expect(concatBytes([Uint8Array.of(1, 2), backing.subarray(2, 4), new Uint8Array(0), Uint8Array.of(5)])).toEqual(Uint8Array.of(1, 2, 3, 4, 5));
  });

  it("gives an empty array for no parts", () => {
    expect(concatBytes([])).toEqual(new Uint8Array(0));
  });

  it("copies even a single part, so writing to the result leaves the part alone", () => {
    const part = Uint8Array.of(1, 2, 3);
    const joined = concatBytes([part]);
    joined[0] = 7;
    expect(part).toEqual(Uint8Array.of(1, 2, 3));
    expect(joined.byteOffset).toBe(0);
    expect(joined.byteLength).toBe(joined.buffer.byteLength);
  });
});
