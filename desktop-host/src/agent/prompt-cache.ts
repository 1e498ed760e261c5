import type { BetaContentBlockParam, BetaTextBlockParam } from "@anthropic-ai/sdk/resources/beta";
import type { Turn } from "./conversation-store.ts";

// Where the (at most 4) cache breakpoints go.
//
// deskfleet: the system prompt (which also covers the tools before it), the
// latest user turn (writes the whole prefix for the next request) and the one
// before it (exactly the prefix the previous request wrote, so it is read even
// when a turn adds more blocks than the cache's 20-block lookback). Three.
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
): { system: BetaTextBlockParam[]; messages: Turn[]; breakpoints: number } {
  let breakpoints = 0;
  const sys = system.map((b, i) => {
    const { cache_control: _drop, ...rest } = b;
    void _drop;
    if (i !== system.length - 1) return rest;
    breakpoints++;
    return { ...rest, cache_control: EPHEMERAL };
  });
  const marked = new Set<number>();
  for (let i = messages.length - 1; i >= 0 && marked.size < userTurnsToMark(strategy); i--) {
    const m = messages[i]!;
    if (m.role === "user" && typeof m.content !== "string" && m.content.length > 0) marked.add(i);
  }
  const out = messages.map((m, i) => {
    if (typeof m.content === "string") return m;
    const content = m.content.map((b, j): BetaContentBlockParam => {
      const clean = stripCache(b);
      if (!marked.has(i) || j !== m.content.length - 1) return clean;
      breakpoints++;
      return { ...clean, cache_control: EPHEMERAL } as BetaContentBlockParam;
    });
    return { ...m, content };
  });
  if (breakpoints > MAX_BREAKPOINTS) throw new Error(`placeCacheBreakpoints placed ${breakpoints} breakpoints; the API allows ${MAX_BREAKPOINTS}`);
  return { system: sys, messages: out, breakpoints };
}

function stripCache(b: BetaContentBlockParam): BetaContentBlockParam {
  if (!("cache_control" in b) || b.cache_control == null) return b;
  const { cache_control: _drop, ...rest } = b as BetaContentBlockParam & { cache_control?: unknown };
  void _drop;
  return rest as BetaContentBlockParam;
}
