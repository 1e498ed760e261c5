import { describe, expect, it } from "vitest";
import { chooseAgent } from "./agent-choice.ts";

const AGENTS = [
  { name: "accounting", description: "Files invoices and receipts in the accounting app, reconciles the bank ledger" },
  { name: "shopper", description: "Buys office supplies in web shops: finds products, fills the basket, checks out" },
  { name: "support", description: "Answers customer tickets in the helpdesk and escalates bugs" },
];

describe("choosing an agent by its description", () => {
  it("picks the agent whose description shares the prompt's words", () => {
    expect(chooseAgent(AGENTS, "Reconcile last month's bank ledger")).toEqual({ name: "accounting", matched: ["recon", "bank", "ledge"] });
    expect(chooseAgent(AGENTS, "order printer paper from the office supplies shop")?.name).toBe("shopper");
  });

  it("matches words across their forms (invoicing ~ invoices, tickets ~ ticket)", () => {
    expect(chooseAgent(AGENTS, "do the invoicing for ACME")?.name).toBe("accounting");
    expect(chooseAgent(AGENTS, "close the ticket from Ada")?.name).toBe("support");
  });

  it("chooses none when no description shares a word with the prompt", () => {
    expect(chooseAgent(AGENTS, "water the plants")).toBeNull();
    expect(chooseAgent([], "reconcile the ledger")).toBeNull();
  });
});
