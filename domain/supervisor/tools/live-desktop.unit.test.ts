import { describe, expect, it } from "vitest";
import { imageGeometry } from "./live-desktop.ts";

describe("the screenshot geometry the supervisor's model sees", () => {
  it("sends a wide screen scaled to 1280 and maps image points back by the same factor", () => {
    expect(imageGeometry({ width: 2560, height: 1440 })).toEqual({ width: 1280, scale: 2 });
  });

  it("sends a screen up to 1280 wide as it is", () => {
    expect(imageGeometry({ width: 1280, height: 800 })).toEqual({ width: undefined, scale: 1 });
    expect(imageGeometry(null)).toEqual({ width: undefined, scale: 1 });
  });
});
