/**
 * Prompt caching as the docs describe it:
 * - the prefix runs tools → system → messages; a block with cache_control ends a
 *   cacheable prefix (a breakpoint);
 * - a request writes an entry for the prefix up to each breakpoint
 *   (cache_creation_input_tokens, split by TTL into cache_creation.ephemeral_*);
 * - for each breakpoint the cache looks back over at most 20 block boundaries
 *   (the breakpoint's own included) for the longest prefix written before; a hit
 *   is read (cache_read_input_tokens) and its lifetime refreshed;
 * - entries live 5 minutes (or 1 hour with ttl "1h") from their last use;
 * - a prefix shorter than the model's minimum cacheable length is not cached;
 * - entries are per model (and per server: one organization);
 * - input_tokens counts only what is neither read nor written.
 */
import { createHash } from "node:crypto";
import type { PrefixBlock } from "./usage.ts";

export const LOOKBACK_BLOCKS = 20;
const TTL_MS = { "5m": 5 * 60_000, "1h": 60 * 60_000 } as const;

export interface CacheOptions {
  /** Clock, in epoch ms. Default Date.now. */
  now?: () => number;
  /**
   * Minimum cacheable prefix length in tokens, per model. Default: 1024 for every model (the
   * documented minimum of Sonnet-class models; Haiku and recent Opus models document more).
   * Pass 0 to ignore it.
   */
  minCacheableTokens?: number | ((model: string) => number);
}

export interface CacheOutcome {
  cacheReadTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  /** Tokens neither read from nor written to the cache: the API's `input_tokens`. */
  uncachedTokens: number;
  /** Index of the last prefix block read from the cache, or -1. */
  readThrough: number;
  /** Indexes of the breakpoints whose prefix was written by this request. */
  written: number[];
}

interface Entry {
  expiresAt: number;
  ttl: "5m" | "1h";
  tokens: number;
}

export class PromptCacheSimulator {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;
  readonly #min: (model: string) => number;

  constructor(options: CacheOptions = {}) {
    this.#now = options.now ?? Date.now;
    const m = options.minCacheableTokens ?? 1024;
    this.#min = typeof m === "function" ? m : () => m;
  }

  /** Forget everything (as after every entry expired). */
  clear(): void {
    this.#entries.clear();
  }

  /** Number of live entries. */
  get size(): number {
    this.#sweep();
    return this.#entries.size;
  }

  #sweep(): void {
    const now = this.#now();
    for (const [k, e] of this.#entries) if (e.expiresAt <= now) this.#entries.delete(k);
  }

  /** Usage of one request, updating the cache as the API would. Pure with respect to the blocks. */
  apply(model: string, blocks: readonly PrefixBlock[]): CacheOutcome {
    this.#sweep();
    const now = this.#now();
    const hashes: string[] = [];
    const cum: number[] = [];
    let h = createHash("sha256").update(`model:${model}`).digest("hex");
    let total = 0;
    for (const b of blocks) {
      h = createHash("sha256").update(h).update("\u0000").update(b.key).digest("hex");
      hashes.push(h);
      total += b.tokens;
      cum.push(total);
    }
    const breakpoints = blocks.flatMap((b, i) => (b.cache ? [i] : []));

    // Reads: per breakpoint, the nearest earlier-written prefix within the lookback window.
    let readThrough = -1;
    for (const bp of breakpoints) {
      for (let j = bp; j >= 0 && j > bp - LOOKBACK_BLOCKS; j--) {
        const key = hashes[j];
        if (key !== undefined && this.#entries.has(key)) {
          if (j > readThrough) readThrough = j;
          break;
        }
      }
    }
    if (readThrough >= 0) {
      const hit = this.#entries.get(hashes[readThrough] ?? "");
      if (hit) hit.expiresAt = now + TTL_MS[hit.ttl];
    }
    const readTokens = readThrough >= 0 ? (cum[readThrough] ?? 0) : 0;

    // Writes: every breakpoint past what was read, if its prefix is long enough.
    const min = this.#min(model);
    let writtenThrough = readThrough;
    let w5 = 0;
    let w1 = 0;
    const written: number[] = [];
    for (const bp of breakpoints) {
      const ttl = blocks[bp]?.cache ?? "5m";
      const key = hashes[bp] ?? "";
      const prefixTokens = cum[bp] ?? 0;
      if (bp <= readThrough) {
        // Already inside the cached prefix: refresh (or record) without charge.
        const e = this.#entries.get(key);
        if (e) e.expiresAt = Math.max(e.expiresAt, now + TTL_MS[ttl]);
        continue;
      }
      if (prefixTokens < min) continue;
      const segment = prefixTokens - (writtenThrough >= 0 ? (cum[writtenThrough] ?? 0) : 0);
      if (ttl === "1h") w1 += segment;
      else w5 += segment;
      writtenThrough = bp;
      written.push(bp);
      this.#entries.set(key, { ttl, tokens: prefixTokens, expiresAt: now + TTL_MS[ttl] });
    }
    return {
      cacheReadTokens: readTokens,
      cacheWrite5mTokens: w5,
      cacheWrite1hTokens: w1,
      uncachedTokens: total - readTokens - w5 - w1,
      readThrough,
      written,
    };
  }

  /** What `apply` would report, without touching the cache (for count_tokens and dry runs). */
  peek(model: string, blocks: readonly PrefixBlock[]): CacheOutcome {
    const saved = new Map([...this.#entries].map(([k, e]) => [k, { ...e }]));
    try {
      return this.apply(model, blocks);
    } finally {
      this.#entries.clear();
      for (const [k, e] of saved) this.#entries.set(k, e);
    }
  }
}
