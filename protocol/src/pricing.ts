// Shared by the host (its loop's per-step cost) and the control plane (the supervisor's own calls).
// Prices per million tokens, per model, and the cost of one response's usage.
// Source: platform.claude.com/docs/en/about-claude/pricing and the per-model
// overview pages (checked 2026-10). Cache writes are 1.25× input (5 min) and
// 2× (1 h); cache reads are 0.1× input, except where a model's page sets its
// own (Opus 5.5, Sonnet 5.5 and Fable 5.1 read cheaper). Update here only.

export type ModelPrice = {
  input: number;
  output: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  cacheRead: number;
  /** Higher rates for prompts above a size (Haiku 5.5 bills prompts over 100k tokens higher). */
  longPrompt?: { aboveTokens: number; price: Omit<ModelPrice, "longPrompt"> };
};

export type PriceTable = Readonly<Record<string, ModelPrice>>;

/** Usage as the Messages API reports it (snake_case, cache fields may be null). */
export type WireUsage = {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_creation?: { ephemeral_5m_input_tokens?: number | null; ephemeral_1h_input_tokens?: number | null } | null;
};

/** Standard multipliers over an input price. */
export function standardPrice(input: number, output: number, cacheRead = input * 0.1): ModelPrice {
  return { input, output, cacheWrite5m: input * 1.25, cacheWrite1h: input * 2, cacheRead };
}

const OPUS_4_5_TO_5 = standardPrice(5, 25);
const OPUS_4 = standardPrice(15, 75);
const SONNET_4 = standardPrice(3, 15);
const HAIKU_5_5_LONG = standardPrice(0.5, 2.5);

export const DEFAULT_PRICES: PriceTable = {
  "claude-fable-5-1": standardPrice(10, 50, 0.25),
  "claude-mythos-5-1": standardPrice(10, 50, 0.25),
  "claude-fable-5": standardPrice(10, 50),
  "claude-mythos-5": standardPrice(10, 50),
  "claude-opus-5-5": standardPrice(4, 20, 0.2),
  "claude-opus-5": OPUS_4_5_TO_5,
  "claude-opus-4-8": OPUS_4_5_TO_5,
  "claude-opus-4-7": OPUS_4_5_TO_5,
  "claude-opus-4-6": OPUS_4_5_TO_5,
  "claude-opus-4-5": OPUS_4_5_TO_5,
  "claude-opus-4-1": OPUS_4,
  "claude-opus-4": OPUS_4,
  "claude-sonnet-5-5": standardPrice(2, 10, 0.1),
  "claude-sonnet-5": standardPrice(2, 10),
  "claude-sonnet-4-6": SONNET_4,
  "claude-sonnet-4-5": SONNET_4,
  "claude-sonnet-4": SONNET_4,
  "claude-haiku-5-5": { ...standardPrice(0.1, 0.5, 0.01), longPrompt: { aboveTokens: 100_000, price: HAIKU_5_5_LONG } },
  "claude-haiku-4-5": standardPrice(1, 5),
  "claude-haiku-3-5": standardPrice(0.8, 4),
};

/**
 * For a model the table does not know: the highest rates in it (Opus 4's), so a
 * budget errs on stopping early rather than overspending.
 */
export const UNKNOWN_MODEL_PRICE: ModelPrice = OPUS_4;

export type PriceLookup = { price: ModelPrice; known: boolean; matched: string | null };

/** The price of a model id; dated ids ("claude-haiku-4-5-20251001") match their alias. */
export function priceFor(model: string, table: PriceTable = DEFAULT_PRICES): PriceLookup {
  const exact = table[model];
  if (exact) return { price: exact, known: true, matched: model };
  const undated = model.replace(/-\d{8}$/, "").replace(/\[1m\]$/, "");
  const alias = table[undated];
  if (alias) return { price: alias, known: true, matched: undated };
  return { price: UNKNOWN_MODEL_PRICE, known: false, matched: null };
}

export type StepUsage = {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  costUsd: number;
};

/** Tokens and dollars of one response's usage at a model's prices. */
export function costOfUsage(usage: WireUsage, price: ModelPrice): StepUsage {
  const read = usage.cache_read_input_tokens ?? 0;
  const write = usage.cache_creation_input_tokens ?? 0;
  const w1h = usage.cache_creation?.ephemeral_1h_input_tokens ?? 0;
  const w5m = usage.cache_creation ? (usage.cache_creation.ephemeral_5m_input_tokens ?? write - w1h) : write;
  const promptTokens = usage.input_tokens + read + write;
  const p = price.longPrompt && promptTokens > price.longPrompt.aboveTokens ? price.longPrompt.price : price;
  const dollars =
    usage.input_tokens * p.input + usage.output_tokens * p.output + read * p.cacheRead + w5m * p.cacheWrite5m + w1h * p.cacheWrite1h;
  return { inputTokens: usage.input_tokens, outputTokens: usage.output_tokens, cacheReadTokens: read, cacheWriteTokens: write, costUsd: dollars / 1_000_000 };
}

export function addUsage(a: StepUsage, b: StepUsage): StepUsage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens,
    cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
    costUsd: a.costUsd + b.costUsd,
  };
}

export const ZERO_USAGE: StepUsage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 };
