import type { TaskEvent } from "@deskfleet/protocol";
import type { Usage } from "./types.ts";

const KEYS = ["inputTokens", "outputTokens", "cacheReadTokens", "cacheWriteTokens", "costUsd"] as const;

/** Usage so far: the sum of the log's `usage` increments (the same sum TaskDO keeps). */
export function usageFromEvents(events: readonly TaskEvent[]): Usage {
  const total: Usage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 };
  for (const e of events) {
    if (e.kind !== "usage") continue;
    for (const k of KEYS) {
      const v = e.data[k];
      if (typeof v === "number" && Number.isFinite(v) && v >= 0) total[k] += v;
    }
  }
  return total;
}

/** The larger of two readings: the stored task may lag the live log, or the log may be partial. */
export const maxUsage = (a: Usage, b: Usage): Usage => (b.costUsd + b.inputTokens + b.outputTokens > a.costUsd + a.inputTokens + a.outputTokens ? b : a);
