import { describe, expect, it } from "vitest";
import { describeCron } from "./cron-words.ts";

describe("describeCron", () => {
  it.each([
    ["* * * * *", "every minute"],
    ["*/15 * * * *", "every 15 minutes"],
    ["5 * * * *", "every hour at :05"],
    ["30 9 * * *", "every day at 09:30"],
    ["0 9 * * 1-5", "at 09:00 on weekdays"],
    ["0 8,17 * * 1", "at 08:00 and 17:00 on Monday"],
    ["0 0 1 * *", "at 00:00 on the 1st"],
    ["0 6 1,15 * 0", "at 06:00 on the 1st and 15th or on Sunday"],
    ["0 12 * 1,7 *", "at 12:00 in January and July"],
    ["@weekly", "every Sunday at 00:00"],
  ])("says %s means %s", (cron, words) => {
    expect(describeCron(cron)).toBe(words);
  });

  it("says nothing for an expression with the wrong number of fields", () => {
    expect(describeCron("0 9 * *")).toBe("");
  });
});
