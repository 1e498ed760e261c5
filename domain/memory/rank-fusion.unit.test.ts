import { describe, expect, it } from "vitest";
import { fuseRankings } from "./rank-fusion.ts";

describe("reciprocal rank fusion", () => {
  it("puts first what both searches rank well, ahead of what only one ranks first", () => {
    expect(fuseRankings([["a", "b", "c"], ["b", "d", "a"]])).toEqual(["b", "a", "d", "c"]);
  });

  it("keeps a single ranking as it is", () => {
    expect(fuseRankings([["x", "y", "z"]])).toEqual(["x", "y", "z"]);
  });

  it("breaks ties by the order the items were first seen", () => {
    expect(fuseRankings([["a"], ["b"]])).toEqual(["a", "b"]);
    expect(fuseRankings([[], []])).toEqual([]);
  });
});
