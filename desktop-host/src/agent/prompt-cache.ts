import type { BetaContentBlockParam, BetaTextBlockParam } from "@anthropic-ai/sdk/resources/beta";
import type { Turn } from "./conversation-store.ts";
import type { BlockRef } from "./image-pruning.ts";

// Where the (at most 4) cache breakpoints go.
//
// deskfleet: the system prompt (which also covers the tools before it), the
// latest user turn (writes the whole prefix for the next request) and the one
// before it (exactly the prefix the previous request wrote, so it is read even
// when a turn adds more blocks than the cache's 20-block lookback). Three.
//
// Plus, for deskfleet, prune anchors: the block holding the newest placeholder
// of a pruned image. Pruning changes nothing before it, so with a breakpoint
// there the next prune reads the older history from the cache and writes only
// what follows. A request that prunes carries two (the previous anchor, read;
// the new one, written) and then marks only the latest user turn: everything
// after the previous anchor is new to the cache anyway.
//
// reference-demo: what Anthropic's computer-use demo does: the system prompt
// and the last three user turns. Four.

export type ContextStrategy = "deskfleet" | "reference-demo";

const EPHEMERAL = { type: "ephemeral" } as const;
export const MAX_BREAKPOINTS = 4;

export function userTurnsToMark(strategy: ContextStrategy): number {
  return strategy === "deskfleet" ? 2 : 3;
}

/** Copies of system and messages with cache_control set on the strategy's blocks; the inputs are not mutated. */
export function placeCacheBreakpoints(
  system: readonly BetaTextBlockParam[],
  messages: readonly Turn[],
  strategy: ContextStrategy,
  anchors: readonly BlockRef[] = [],
): { system: BetaTextBlockParam[]; messages: Turn[]; breakpoints: number } {
  let breakpoints = 0;
  const sys = system.map((b, i) => {
    const { cache_control: _drop, ...rest } = b;
    void _drop;
    if (i !== system.length - 1) return rest;
    breakpoints++;
    return { ...rest, cache_control: EPHEMERAL };
  });
  // Blocks to mark, as "message:block"; the user turns' own blocks are their last ones.
  const marks = new Set<string>();
  const usable = strategy === "deskfleet" ? anchors.filter((a) => isBlock(messages, a)).slice(-2) : [];
  for (const a of usable) marks.add(`${a.message}:${a.block}`);
  const turns = Math.max(1, Math.min(userTurnsToMark(strategy), MAX_BREAKPOINTS - 1 - marks.size));
  let markedTurns = 0;
  for (let i = messages.length - 1; i >= 0 && markedTurns < turns; i--) {
    const m = messages[i]!;
    if (m.role === "user" && typeof m.content !== "string" && m.content.length > 0) {
      marks.add(`${i}:${m.content.length - 1}`);
      markedTurns++;
    }
  }
  const out = messages.map((m, i) => {
    if (typeof m.content === "string") return m;
    const content = m.content.map((b, j): BetaContentBlockParam => {
      const clean = stripCache(b);
      if (!marks.has(`${i}:${j}`)) return clean;
      breakpoints++;
      return { ...clean, cache_control: EPHEMERAL } as BetaContentBlockParam;
    });
    return { ...m, content };
  });
  if (breakpoints > MAX_BREAKPOINTS) throw new Error(`placeCacheBreakpoints placed ${breakpoints} breakpoints; the API allows ${MAX_BREAKPOINTS}`);
  return { system: sys, messages: out, breakpoints };
}

function isBlock(messages: readonly Turn[], at: BlockRef): boolean {
  const content = messages[at.message]?.content;
  return Array.isArray(content) && at.block >= 0 && at.block < content.length;
}

function stripCache(b: BetaContentBlockParam): BetaContentBlockParam {
  if (!("cache_control" in b) || b.cache_control == null) return b;
  const { cache_control: _drop, ...rest } = b as BetaContentBlockParam & { cache_control?: unknown };
  void _drop;
  return rest as BetaContentBlockParam;
}
