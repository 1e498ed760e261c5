import { describe, expect, it } from "vitest";
import { runBoxTarget } from "./mention.ts";

describe("the Run box's @name", () => {
  it("picks the named agent and drops its name from the prompt", () => {
    expect(runBoxTarget("@accounting file the March invoices", ["accounting", "shopper"])).toEqual({ agent: "accounting", prompt: "file the March invoices" });
  });

  it("leaves a prompt without a leading @name as written, and an @skill: mention to the prompt", () => {
    expect(runBoxTarget("  mail @ada the report ", ["ada"])).toEqual({ agent: null, prompt: "mail @ada the report" });
    expect(runBoxTarget("@skill:cookie-walls open the shop", ["shopper"])).toEqual({ agent: null, prompt: "@skill:cookie-walls open the shop" });
  });

  it("says which agents exist when the name is not one, and asks for a prompt after the name", () => {
    expect(runBoxTarget("@acounting file it", ["accounting", "shopper"])).toEqual({ error: "There is no agent @acounting. Agents: @accounting, @shopper." });
    expect(runBoxTarget("@shopper", ["shopper"])).toEqual({ error: "Tell @shopper what to do after its name." });
  });
});
