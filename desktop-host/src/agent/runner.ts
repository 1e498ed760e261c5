import Anthropic from "@anthropic-ai/sdk";
import type { TaskContext, TaskOutcome, TaskRunner } from "../task-runner.ts";
import { DesktopComputerToolset } from "./computer-toolset.ts";
import { ConversationStore } from "./conversation-store.ts";
import type { Desktop } from "./desktop.ts";
import { DEFAULT_PRUNE, type PruneOptions } from "./image-pruning.ts";
import type { LoopDetectorOptions } from "./loop-detector.ts";
import { runLoop } from "./loop.ts";
import type { ComputerToolMode } from "./model-request.ts";
import { DEFAULT_PRICES, priceFor, type PriceTable } from "./pricing.ts";
import type { ContextStrategy } from "./prompt-cache.ts";
import { RfbDesktop, type RfbConnection, type RfbDesktopOptions } from "./rfb-desktop.ts";
import { runWithTrajectories } from "../replay/replaying-runner.ts";
import type { ReplayOptions } from "../replay/replayer.ts";
import type { HostToolbox } from "../tools/toolbox.ts";
import { skipAllProfileServers } from "../tools/mcp/profile-servers.ts";
import { runCommandTask } from "../tools/command-task.ts";

export type ComputerUseRunnerOptions = {
  /** An Anthropic client; otherwise one is made from `apiKey`/`baseURL`, which default to ANTHROPIC_API_KEY / ANTHROPIC_BASE_URL. */
  client?: Anthropic;
  apiKey?: string;
  baseURL?: string;
  /** Retries of 429, 529 and 5xx answers, with the SDK's backoff (retry-after honoured). Default 4. */
  maxRetries?: number;
  /** Model when the task names none. Default "claude-sonnet-5-5". */
  model?: string;
  /** The desktop to drive, or an RFB connection (e.g. an RfbClient) plus screenshot targets and settle options. */
  desktop: Desktop | ({ rfb: RfbConnection } & RfbDesktopOptions);
  /** "auto" (default): the GA toolset, falling back to the beta tool when the API rejects it. */
  computerTool?: "auto" | ComputerToolMode;
  /**
   * "deskfleet" (default): chunked image pruning with prune anchors, screenshots
   * only when the model asks, never the same one twice. "reference-demo": the
   * computer-use demo's loop, for comparison: a screenshot after every action,
   * every image kept, breakpoints on the system prompt and the last three user turns.
   */
  strategy?: ContextStrategy;
  /** Image pruning for the deskfleet strategy. Default DEFAULT_PRUNE (image-pruning.ts). */
  prune?: PruneOptions;
  /** Override the strategy's screenshot habits (for measuring each lever on its own). */
  screenshots?: { afterActions?: boolean; dedupe?: boolean };
  maxTokens?: number;
  /** Default when the task sets none. Default 100. */
  maxSteps?: number;
  /** Default when the task sets none. Default: no budget. */
  budgetUsd?: number;
  prices?: PriceTable;
  /** Backstop for ask_human when the runtime's own timeout never fires. Default 30 min. */
  helpTimeoutMs?: number;
  loopDetection?: LoopDetectorOptions;
  /** Conversations kept for follow-ups (LRU). Default 32. */
  conversations?: number;
  /** Tools beyond the screen (shell, files, browser, web, MCP) this host allows; each task gets those it asks for too. */
  tools?: HostToolbox;
  /** Appended to the system prompt. Never put secrets here: the model reads it. */
  systemPromptExtra?: string;
  now?: () => number;
  /** Replay timings (how long a step's screen may take to match the recording). */
  replay?: ReplayOptions;
};

/** A TaskRunner that runs each task as a Claude computer-use conversation on one desktop. */
export function createComputerUseRunner(options: ComputerUseRunnerOptions): TaskRunner {
  const maxRetries = options.maxRetries ?? 4;
  const client = options.client ?? new Anthropic({
    ...(options.apiKey !== undefined ? { apiKey: options.apiKey } : {}),
    ...(options.baseURL !== undefined ? { baseURL: options.baseURL } : {}),
    maxRetries,
  });
  const desktop = "rfb" in options.desktop ? new RfbDesktop(options.desktop.rfb, options.desktop) : options.desktop;
  const toolset = new DesktopComputerToolset(desktop);
  const conversations = new ConversationStore(options.conversations ?? 32);
  const prices = options.prices ?? DEFAULT_PRICES;
  const strategy = options.strategy ?? "deskfleet";
  const toolChoice = options.computerTool ?? "auto";
  // Models whose provider rejected the GA toolset: later tasks start on the beta tool.
  const betaOnly = new Set<string>();

  return {
    async run(ctx: TaskContext): Promise<TaskOutcome> {
      const model = ctx.task.options.model ?? options.model ?? "claude-sonnet-5-5";
      const { price, known } = priceFor(model, prices);
      const conv = conversations.get(ctx.task.id) ?? { messages: [], steps: 0 };
      conversations.set(ctx.task.id, conv);
      const mode: ComputerToolMode = toolChoice === "beta" || (toolChoice === "auto" && betaOnly.has(model)) ? "beta" : "toolset";
      const tools = options.tools ? await options.tools.open(ctx) : null;
      if (!options.tools) skipAllProfileServers(ctx);
      try {
        if (ctx.task.options.command !== undefined) return await runCommandTask(ctx, tools, ctx.task.options.command);
        // A recorded trajectory replays first, without the model; the loop runs only from the first mismatch (desktop-host/src/replay/).
        return await runWithTrajectories(ctx, desktop, conv, (c) => runLoop(c, conv, {
        client,
        model,
        maxTokens: options.maxTokens ?? 4096,
        maxSteps: ctx.task.options.maxSteps ?? options.maxSteps ?? 100,
        budgetUsd: ctx.task.options.budgetUsd ?? options.budgetUsd ?? null,
        price,
        priceKnown: known,
        desktop,
        toolset,
        mode,
        allowFallback: toolChoice === "auto",
        onFallback: () => betaOnly.add(model),
        strategy,
        prune: strategy === "deskfleet" ? (options.prune ?? DEFAULT_PRUNE) : null,
        screenshotAfterActions: options.screenshots?.afterActions ?? strategy === "reference-demo",
        dedupeScreenshots: options.screenshots?.dedupe ?? strategy === "deskfleet",
        loop: options.loopDetection ?? {},
        maxRetries,
        helpTimeoutMs: options.helpTimeoutMs ?? 30 * 60_000,
        ...(options.systemPromptExtra !== undefined ? { systemPromptExtra: options.systemPromptExtra } : {}),
        tools,
        now: options.now ?? Date.now,
        }), options.replay);
      } finally {
        await tools?.close();
      }
    },
  };
}
