import { describe, expect, it } from "vitest";
import { VectorizeStandIn } from "./vectorize-stand-in.ts";
import { WorkersAiStandIn } from "./workers-ai-stand-in.ts";

describe("the Workers AI stand-in", () => {
  it("embeds texts with the model's dimensions, close for texts spelled alike", async () => {
    const ai = new WorkersAiStandIn();
    const out = await ai.run("@cf/baai/bge-small-en-v1.5", { text: ["cookie wall", "cokie", "invoice ledger"] });
    expect(out.shape).toEqual([3, 384]);
    const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);
    expect(dot(out.data[0]!, out.data[1]!)).toBeGreaterThan(dot(out.data[2]!, out.data[1]!));
  });

  it("refuses what Workers AI refuses: an unknown model, no text, an empty text, over 100 texts", async () => {
    const ai = new WorkersAiStandIn();
    await expect(ai.run("@cf/baai/bge-tiny", { text: ["x"] })).rejects.toThrow(/No such model/);
    await expect(ai.run("@cf/baai/bge-base-en-v1.5", {})).rejects.toThrow(/required properties/);
    await expect(ai.run("@cf/baai/bge-base-en-v1.5", { text: [""] })).rejects.toThrow(/fewer than 1 characters/);
    await expect(ai.run("@cf/baai/bge-base-en-v1.5", { text: Array(101).fill("x") })).rejects.toThrow(/more than 100 items/);
    expect(ai.calls).toEqual([]);
  });
});

describe("the Vectorize stand-in", () => {
  it("finds the nearest vectors by cosine similarity and forgets deleted ones", async () => {
    const index = new VectorizeStandIn({ dimensions: 3 });
    await index.upsert([{ id: "a", values: [1, 0, 0] }, { id: "b", values: [0.7, 0.7, 0] }, { id: "c", values: [0, 0, 1] }]);
    expect((await index.query([1, 0.1, 0], { topK: 2 })).matches.map((m) => m.id)).toEqual(["a", "b"]);
    await index.deleteByIds(["a"]);
    expect((await index.query([1, 0.1, 0], { topK: 2 })).matches.map((m) => m.id)).toEqual(["b", "c"]);
  });

  it("refuses what Vectorize refuses: wrong dimensions, a bad id, topK out of range", async () => {
    const index = new VectorizeStandIn({ dimensions: 3 });
    await expect(index.upsert([{ id: "a", values: [1, 0] }])).rejects.toThrow(/DIMENSION_MISMATCH/);
    await expect(index.upsert([{ id: "x".repeat(65), values: [1, 0, 0] }])).rejects.toThrow(/INVALID_ID/);
    await expect(index.upsert([{ id: "a", values: [1, Number.NaN, 0] }])).rejects.toThrow(/finite/);
    await expect(index.query([1, 0, 0], { topK: 101 })).rejects.toThrow(/topK must be between 1 and 100/);
    await expect(index.query([1, 0, 0], { topK: 21, returnValues: true })).rejects.toThrow(/between 1 and 20/);
    expect(index.size).toBe(0);
  });
});
