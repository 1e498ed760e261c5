/**
 * TEST SUPPORT ONLY: the V2 Vectorize binding, offline, with cosine similarity (see README.md).
 */
type Vector = { id: string; values: number[] | Float32Array | Float64Array; namespace?: string; metadata?: Record<string, unknown> };
type QueryOptions = { topK?: number; namespace?: string; returnValues?: boolean; returnMetadata?: boolean | "all" | "indexed" | "none"; filter?: unknown };

export class VectorizeStandIn {
  readonly dimensions: number;
  readonly #vectors = new Map<string, number[]>();
  #mutations = 0;

  constructor(opts: { dimensions: number }) {
    this.dimensions = opts.dimensions;
  }

  get size(): number {
    return this.#vectors.size;
  }

  has(id: string): boolean {
    return this.#vectors.has(id);
  }

  async upsert(vectors: Vector[]): Promise<{ mutationId: string }> {
    if (!Array.isArray(vectors) || vectors.length === 0) throw new Error("VECTOR_UPSERT_ERROR (code = 40006): no vectors were given");
    if (vectors.length > 1000) throw new Error("VECTOR_UPSERT_ERROR (code = 40007): at most 1000 vectors may be upserted in one call");
    for (const v of vectors) {
      this.#checkId(v.id);
      this.#checkValues(v.values, `vector ${v.id}`);
    }
    for (const v of vectors) this.#vectors.set(v.id, [...v.values]);
    return { mutationId: `mut-${++this.#mutations}` };
  }

  async query(vector: number[] | Float32Array | Float64Array, options: QueryOptions = {}): Promise<{ matches: { id: string; score: number }[]; count: number }> {
    this.#checkValues(vector, "the query vector");
    const topK = options.topK ?? 5;
    const heavy = options.returnValues === true || options.returnMetadata === true || options.returnMetadata === "all";
    if (!Number.isInteger(topK) || topK < 1 || topK > (heavy ? 20 : 100)) {
      throw new Error(`VECTOR_QUERY_ERROR (code = 40025): topK must be between 1 and ${heavy ? 20 : 100}${heavy ? " when values or all metadata are returned" : ""}`);
    }
    const q = [...vector];
    const matches = [...this.#vectors].map(([id, v]) => ({ id, score: cosine(q, v) })).sort((a, b) => b.score - a.score).slice(0, topK);
    return { matches, count: matches.length };
  }

  async deleteByIds(ids: string[]): Promise<{ mutationId: string }> {
    if (!Array.isArray(ids) || ids.length === 0) throw new Error("VECTOR_DELETE_ERROR (code = 40006): no ids were given");
    if (ids.length > 1000) throw new Error("VECTOR_DELETE_ERROR (code = 40007): at most 1000 ids may be deleted in one call");
    for (const id of ids) this.#checkId(id);
    for (const id of ids) this.#vectors.delete(id);
    return { mutationId: `mut-${++this.#mutations}` };
  }

  #checkId(id: unknown): void {
    if (typeof id !== "string" || id.length === 0 || new TextEncoder().encode(id).length > 64) {
      throw new Error(`VECTOR_INVALID_ID (code = 40008): vector ids are 1-64 bytes; got ${JSON.stringify(id)}`);
    }
  }

  #checkValues(values: unknown, what: string): void {
    const arr = values instanceof Float32Array || values instanceof Float64Array ? [...values] : values;
    if (!Array.isArray(arr) || arr.length !== this.dimensions) {
      throw new Error(`VECTOR_DIMENSION_MISMATCH (code = 40012): ${what} has ${Array.isArray(arr) ? arr.length : "no"} dimensions; the index has ${this.dimensions}`);
    }
    if (!arr.every((x) => typeof x === "number" && Number.isFinite(x))) throw new Error(`VECTOR_INVALID_VALUES (code = 40013): ${what} holds a value that is not a finite number`);
  }
}

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
