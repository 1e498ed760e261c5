/**
 * Strings of the wire format, taken from @anthropic-ai/sdk 1.12.0
 * (src/client.ts, src/resources/beta/beta.ts, src/resources/messages/messages.ts,
 * src/resources/beta/messages/messages.ts, src/lib/internal/toolsets/computer-members.ts).
 */

/** `anthropic-version` values the server accepts. The SDK 1.12.0 sends 2026-10-21. */
export const API_VERSIONS: ReadonlySet<string> = new Set(["2023-01-01", "2023-06-01", "2026-10-21"]);

/** The version from which the sampling parameters are no longer request fields (the SDK types dropped them). */
export const VERSION_WITHOUT_SAMPLING = "2026-10-21";

/**
 * Every `anthropic-beta` value the SDK knows (the AnthropicBeta union, the deprecated values its
 * changelog says the API still accepts, and the one `beta.messages.parse` adds on its own).
 * The API rejects a value it does not know.
 */
export const KNOWN_BETAS: ReadonlySet<string> = new Set([
  "computer-use-2024-10-22", "computer-use-2025-01-24", "computer-use-2025-11-24",
  "output-128k-2025-02-19", "mcp-client-2025-04-04", "mcp-client-2025-11-20", "mcp-client-2026-09-15",
  "dev-full-thinking-2025-05-14", "interleaved-thinking-2025-05-14", "code-execution-2025-05-22",
  "context-1m-2025-08-07", "context-management-2025-06-27", "model-context-window-exceeded-2025-08-26",
  "fast-mode-2026-02-01", "output-300k-2026-03-24", "user-profiles-2026-03-24", "user-profiles-2026-08-18",
  "user-profiles-2026-09-04", "advisor-tool-2026-03-01", "managed-agents-2026-04-01", "dreaming-2026-04-21",
  "thinking-token-count-2026-05-13", "server-side-fallback-2026-06-01", "server-side-fallback-2026-07-01",
  "fallback-credit-2026-06-01", "fallback-credit-2026-07-01", "agent-memory-2026-07-22",
  "mid-conversation-tool-changes-2026-07-01", "compact-2026-01-12", "compact-2026-09-04", "mcp-tunnels-2026-06-22",
  "structured-outputs-2025-11-13", "structured-outputs-2025-12-15", "task-budgets-2026-03-13",
  "thinking-display-updates-2026-08-18", "mid-conversation-output-config-2026-07-01",
  "thinking-binding-controls-2026-08-01", "mid-conversation-system-clear-at-2026-08-21", "inline-tools-2026-09-15",
  "ce-plugins-2026-09-01", "spend-limit-reads-2026-09-26", "telemetry-destinations-2026-08-11",
  "webhooks-2026-10-07", "admin-user-sign-out-2026-10-08", "message-threads-2026-08-12",
  "analytics-usage-cost-2026-08-24", "experimental-claude-tag-2026-10-21", "message-batches-2024-09-24",
  "prompt-caching-2024-07-31", "pdfs-2024-09-25", "token-counting-2024-11-01", "token-efficient-tools-2025-02-19",
  "files-api-2025-04-14", "extended-cache-ttl-2025-04-11", "skills-2025-10-02", "cache-diagnosis-2026-04-07",
  "ce-user-management-2026-07-13", "ce-claude-code-managed-settings-2026-10-06", "user-profiles-billing-2026-10-01",
]);

/** The GA computer toolset (`ComputerToolset20260801`): a `tools[]` entry with no name. */
export const COMPUTER_TOOLSET_TYPE = "computer_toolset_20260801";
/** The family the API puts in `tool_use.toolset_name` for the toolset's members. */
export const COMPUTER_TOOLSET_NAME = "computer";
/** The fields a toolset entry may carry: "it carries only `type`, `configs`, and `cache_control`". */
export const TOOLSET_ENTRY_FIELDS: ReadonlySet<string> = new Set(["type", "configs", "cache_control"]);
/** The toolset's members, in the SDK's order; the only accepted `configs` keys. */
export const COMPUTER_TOOLSET_MEMBERS: readonly string[] = [
  "key", "hold_key", "type", "cursor_position", "mouse_move", "left_mouse_down", "left_mouse_up", "left_click",
  "left_click_drag", "right_click", "middle_click", "double_click", "triple_click", "scroll", "wait", "screenshot",
  "zoom",
];
/** Fields of one member's config (`BetaComputer*Config`). */
export const TOOLSET_MEMBER_CONFIG_FIELDS: ReadonlySet<string> = new Set(["enabled", "defer_loading"]);

/** Beta single-tool computer versions and the `anthropic-beta` value each needs. Their tool name is "computer". */
export const BETA_COMPUTER_TOOLS: Readonly<Record<string, string>> = {
  computer_20241022: "computer-use-2024-10-22",
  computer_20250124: "computer-use-2025-01-24",
  computer_20251124: "computer-use-2025-11-24",
};

/**
 * Versioned tool types of the GA `ToolUnion` (besides custom tools and the computer toolset), with
 * the name each must carry. A toolset (browser) carries no name.
 */
export const GA_TOOL_TYPES: Readonly<Record<string, string | null>> = {
  bash_20250124: "bash",
  text_editor_20250124: "str_replace_editor",
  text_editor_20250429: "str_replace_based_edit_tool",
  text_editor_20250728: "str_replace_based_edit_tool",
  memory_20250818: "memory",
  web_search_20250305: "web_search",
  web_search_20260209: "web_search",
  web_search_20260318: "web_search",
  web_fetch_20250910: "web_fetch",
  web_fetch_20260209: "web_fetch",
  web_fetch_20260309: "web_fetch",
  web_fetch_20260318: "web_fetch",
  code_execution_20250522: "code_execution",
  code_execution_20250825: "code_execution",
  code_execution_20260120: "code_execution",
  code_execution_20260521: "code_execution",
  tool_search_tool_bm25_20251119: "tool_search_tool_bm25",
  tool_search_tool_regex_20251119: "tool_search_tool_regex",
  browser_toolset_20260801: null,
};

/** Top-level request fields of `MessageCreateParamsBase` (GA). */
export const GA_BODY_FIELDS: ReadonlySet<string> = new Set([
  "max_tokens", "messages", "model", "cache_control", "container", "diagnostics", "inference_geo", "metadata",
  "output_config", "service_tier", "speed", "stop_sequences", "stream", "system", "thinking", "tool_choice", "tools",
]);
/** Extra top-level fields of the beta `MessageCreateParamsBase`. */
export const BETA_ONLY_BODY_FIELDS: ReadonlySet<string> = new Set([
  "billing_policy", "compaction", "context_management", "fallback_credit_token", "fallbacks", "mcp_servers",
  "output_format", "thread",
]);
/** Sampling fields that older API versions accept. */
export const LEGACY_SAMPLING_FIELDS: ReadonlySet<string> = new Set(["temperature", "top_p", "top_k"]);

export const STOP_REASONS: ReadonlySet<string> = new Set([
  "end_turn", "max_tokens", "stop_sequence", "tool_use", "pause_turn", "refusal", "model_context_window_exceeded",
]);

export const IMAGE_MEDIA_TYPES: ReadonlySet<string> = new Set(["image/jpeg", "image/png", "image/gif", "image/webp"]);
/** Limits from the vision docs. */
export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;
export const MAX_IMAGE_PX = 8000;
export const MANY_IMAGES_THRESHOLD = 20;
export const MANY_IMAGES_MAX_PX = 2000;
export const MAX_IMAGES_PER_REQUEST = 100;
export const MAX_CACHE_BREAKPOINTS = 4;
/** The request size limit of the Messages API. */
export const MAX_REQUEST_BYTES = 32 * 1024 * 1024;
