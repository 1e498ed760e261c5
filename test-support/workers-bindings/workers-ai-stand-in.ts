/**
 * TEST SUPPORT ONLY: the Workers AI binding's text embeddings, offline (see README.md).
 */
export const EMBEDDING_DIMENSIONS: Readonly<Record<string, number>> = {
  "@cf/baai/bge-small-en-v1.5": 384,
  "@cf/baai/bge-base-en-v1.5": 768,
  "@cf/baai/bge-large-en-v1.5": 1024,
  "@cf/baai/bge-m3": 1024,
};

/** bge models take up to 512 tokens a text; this refuses texts far beyond that, as the model would. */
const MAX_TEXT_CHARS = 8_000;

export class WorkersAiStandIn {
  readonly calls: { model: string; texts: string[] }[] = [];

  async run(model: string, inputs: { text?: unknown }): Promise<{ shape: [number, number]; data: number[][]; pooling: "mean" }> {
    const dims = EMBEDDING_DIMENSIONS[model];
    if (dims === undefined) throw new Error(`AiError: 5007: No such model ${model} or task`);
    const raw = inputs?.text;
    const texts = typeof raw === "string" ? [raw] : raw;
    if (!Array.isArray(texts) || texts.length === 0) throw new Error("AiError: 5006: Error: required properties at '/' are 'text'");
    if (texts.length > 100) throw new Error("AiError: 5006: Error: oneOf at '/' not met; at '/text' must NOT have more than 100 items");
    for (const t of texts) {
      if (typeof t !== "string" || t.length === 0) throw new Error("AiError: 5006: Error: at '/text/0' must NOT have fewer than 1 characters");
      if (t.length > MAX_TEXT_CHARS) throw new Error("AiError: 3010: Invalid or incomplete input for the model: the text is longer than the model's context");
    }
    this.calls.push({ model, texts: texts as string[] });
    return { shape: [texts.length, dims], data: (texts as string[]).map((t) => embed(t, dims)), pooling: "mean" };
  }
}

/** Character trigram counts of the words, hashed into `dims`, L2-normalized. */
function embed(text: string, dims: number): number[] {
  const v = new Array<number>(dims).fill(0);
  for (const word of text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean)) {
    const padded = ` ${word} `;
    for (let i = 0; i + 3 <= padded.length; i++) v[hash(padded.slice(i, i + 3)) % dims]! += 1;
  }
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}
