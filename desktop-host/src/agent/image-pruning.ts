import type { BetaContentBlockParam } from "@anthropic-ai/sdk/resources/beta";
import type { Turn } from "./conversation-store.ts";

// Screenshot-history pruning that keeps prompt caching useful. Dropping the
// oldest image every turn would change the prefix every turn, so nothing past
// the system prompt would ever be read from the cache. Instead images are
// dropped in chunks: once `keep + chunk` are present, the oldest `chunk` go,
// leaving `keep`. Between prunes the prefix is byte-for-byte stable.

export type PruneOptions = {
  /** Images always kept, newest first. */
  keep: number;
  /** How many to drop at once; 1 prunes every turn (cache-hostile). */
  chunk: number;
  /** Cache breakpoints at prune anchors (lastPrunedBlock). Default true; false only to measure what they save. */
  anchors?: boolean;
};

/**
 * Keep 2 (the model can still compare before and after), drop 4 at a time.
 * Each prune rewrites what follows the first pruned image at 1.25x, so fewer,
 * cheaper rewrites win; the prune anchor (lastPrunedBlock) keeps the older
 * history read rather than rewritten. bench/cost.ts, 30 actions on the real
 * desktop: 0.82 of the demo's context strategy on the same screenshots (keep 3
 * / chunk 5 was 0.96, keep 2 / chunk 2 0.86, keep 1 / chunk 1 0.61, at the
 * price of never seeing the previous screen). Fewer images is cheaper still;
 * larger chunks read more than they save.
 */
export const DEFAULT_PRUNE: PruneOptions = { keep: 2, chunk: 4 };

export const PRUNED_IMAGE_TEXT = "[An older screenshot was removed to save context.]";

type Block = BetaContentBlockParam;

/** Images present in the messages (top level and inside tool results). */
export function countImages(messages: readonly Turn[]): number {
  let n = 0;
  for (const m of messages) {
    if (typeof m.content === "string") continue;
    for (const b of m.content) {
      if (b.type === "image") n++;
      else if (b.type === "tool_result" && Array.isArray(b.content)) n += b.content.filter((c) => c.type === "image").length;
    }
  }
  return n;
}

/** How many of `present` images to drop now. */
export function imagesToDrop(present: number, options: PruneOptions): number {
  if (present < options.keep + options.chunk) return 0;
  const chunk = Math.max(1, options.chunk);
  return Math.floor((present - options.keep) / chunk) * chunk;
}

/** The messages with the oldest images replaced by a short text, per `options`. Inputs are not mutated. */
export function pruneImages(messages: readonly Turn[], options: PruneOptions): { messages: Turn[]; dropped: number } {
  let toDrop = imagesToDrop(countImages(messages), options);
  const dropped = toDrop;
  if (toDrop === 0) return { messages: [...messages], dropped: 0 };
  const out = messages.map((m) => {
    if (toDrop === 0 || typeof m.content === "string") return m;
    let changed = false;
    const content = m.content.map((b): Block => {
      if (toDrop === 0) return b;
      if (b.type === "image") {
        toDrop--;
        changed = true;
        return { type: "text", text: PRUNED_IMAGE_TEXT };
      }
      if (b.type === "tool_result" && Array.isArray(b.content) && b.content.some((c) => c.type === "image")) {
        const inner = b.content.map((c) => {
          if (toDrop === 0 || c.type !== "image") return c;
          toDrop--;
          return { type: "text" as const, text: PRUNED_IMAGE_TEXT };
        });
        changed = true;
        return { ...b, content: inner };
      }
      return b;
    });
    return changed ? { ...m, content } : m;
  });
  return { messages: out, dropped };
}

/** A top-level content block: `messages[message].content[block]`. */
export type BlockRef = { message: number; block: number };

/**
 * The top-level block holding the newest pruned-image placeholder, or null.
 * Pruning rewrites nothing before it, so a cache breakpoint there (a "prune
 * anchor") lets the next prune read the whole older history from the cache
 * instead of writing it again; see placeCacheBreakpoints.
 */
export function lastPrunedBlock(messages: readonly Turn[]): BlockRef | null {
  for (let i = messages.length - 1; i >= 0; i--) {
    const content = messages[i]!.content;
    if (typeof content === "string") continue;
    for (let j = content.length - 1; j >= 0; j--) {
      const b = content[j]!;
      if (b.type === "text" && b.text === PRUNED_IMAGE_TEXT) return { message: i, block: j };
      if (b.type === "tool_result" && Array.isArray(b.content) && b.content.some((c) => c.type === "text" && c.text === PRUNED_IMAGE_TEXT)) {
        return { message: i, block: j };
      }
    }
  }
  return null;
}
