/**
 * Vectors for memories, when the deployment has a Vectorize index
 * (`MEMORY_INDEX`) and Workers AI (`AI`) bound: each memory's content is
 * embedded with DESKFLEET_EMBEDDING_MODEL and stored under the memory's id;
 * a search embeds the query and asks the index for the nearest. Without both
 * bindings there are no vectors and search is full-text only.
 */

/** The embedding model when DESKFLEET_EMBEDDING_MODEL is not set (768 dimensions: create the index with --dimensions=768). */
export const DEFAULT_EMBEDDING_MODEL = "@cf/baai/bge-base-en-v1.5";

/** What we use of the Vectorize binding (the V2 `Vectorize` class). */
export type VectorIndexBinding = Pick<Vectorize, "upsert" | "query" | "deleteByIds">;
/** What we use of the Workers AI binding: a text embedding model's run. */
export type EmbeddingBinding = { run(model: string, inputs: { text: string[] }): Promise<unknown> };

/** The optional bindings; absent from `wrangler.toml` until you add them (README: "Hybrid memory search"). */
export type MemoryBindings = { MEMORY_INDEX?: VectorIndexBinding; AI?: EmbeddingBinding; DESKFLEET_EMBEDDING_MODEL?: string };

export type VectorIndex = {
  upsert(id: string, text: string): Promise<void>;
  /** Ids of the nearest memories, nearest first. */
  nearest(text: string, topK: number): Promise<string[]>;
  remove(ids: string[]): Promise<void>;
};

/** The vector index, or null when the deployment has none. */
export function vectorIndex(env: Env): VectorIndex | null {
  const b = env as Env & MemoryBindings;
  if (!b.MEMORY_INDEX || !b.AI) return null;
  const index = b.MEMORY_INDEX;
  const ai = b.AI;
  const model = b.DESKFLEET_EMBEDDING_MODEL?.trim() || DEFAULT_EMBEDDING_MODEL;
  const embed = async (text: string): Promise<number[]> => {
    const out = (await ai.run(model, { text: [text] })) as { data?: unknown };
    const vector = Array.isArray(out.data) ? out.data[0] : undefined;
    if (!Array.isArray(vector) || vector.length === 0 || !vector.every((v) => typeof v === "number")) {
      throw new Error(`the embedding model ${model} returned no vector; set DESKFLEET_EMBEDDING_MODEL to a Workers AI text embedding model`);
    }
    return vector as number[];
  };
  return {
    async upsert(id, text) {
      await index.upsert([{ id, values: await embed(text) }]);
    },
    async nearest(text, topK) {
      const res = await index.query(await embed(text), { topK: Math.min(topK, 100), returnValues: false, returnMetadata: "none" });
      return res.matches.map((m) => m.id);
    },
    async remove(ids) {
      if (ids.length > 0) await index.deleteByIds(ids);
    },
  };
}
