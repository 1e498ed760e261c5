import type { MemoryNote } from "@deskfleet/protocol";
import { envNumber } from "../addresses.ts";
import { searchTerms, wordStem as stem } from "../../db/memory-query.ts";
import { searchMemories } from "./memory-service.ts";

/** Memories a new task starts with when DESKFLEET_MEMORY_RECALL is not set. */
export const DEFAULT_RECALL = 3;

/**
 * The memories a new task starts with: the best matches for its prompt among
 * what its agent reads (global and its own), each sharing at least two of the
 * prompt's words (one, for a prompt of one word), so a memory that matched on
 * a single common word does not crowd the prompt. Nothing when recall is off.
 */
export async function recallForTask(env: Env, prompt: string, agent: string | null): Promise<MemoryNote[]> {
  const limit = recallLimit(env.DESKFLEET_MEMORY_RECALL);
  if (limit === 0) return [];
  const wanted = searchTerms(prompt);
  const rows = await searchMemories(env, prompt, { scope: { kind: "agent", agent }, limit: limit * 3, peek: true });
  const picked = rows.filter((r) => sharedTerms(wanted, r.content) >= Math.min(2, wanted.length)).slice(0, limit);
  return picked.map((r) => ({ id: r.id, collection: r.collection, content: r.content }));
}

/** DESKFLEET_MEMORY_RECALL as a count: 0 turns recall off, at most 10. */
export function recallLimit(value: string | undefined): number {
  if (value?.trim() === "0") return 0;
  return Math.min(10, Math.floor(envNumber(value, DEFAULT_RECALL)));
}

/** How many of `terms` the text contains, comparing words by their stems (cookies ~ cookie, invoicing ~ invoice). */
export function sharedTerms(terms: readonly string[], text: string): number {
  const have = new Set(searchTerms(text).map(stem));
  return terms.filter((t) => have.has(stem(t))).length;
}
