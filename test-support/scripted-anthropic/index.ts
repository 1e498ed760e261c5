/**
 * Scripted Anthropic Messages API server for tests and benchmarks. See README.md.
 */
export { startScriptedAnthropic } from "./server.ts";
export type { ScriptedAnthropic, ScriptedAnthropicOptions, RecordedRequest, RejectedRequest } from "./server.ts";
export {
  apiError, badRequest, computerAction, overloaded, rateLimited, text, toolUse, toolsetCall,
} from "./script.ts";
export type {
  ConversationScript, ScriptStep, ScriptedBlock, ScriptedError, ScriptedReply, ScriptedText, ScriptedToolUse,
  StepContext, StepResult, StopReason,
} from "./script.ts";
export { countImages, firstUserText, lastToolResult, lastUserText, systemText, toolResults } from "./inspect.ts";
export type { ToolResultView } from "./inspect.ts";
export { PromptCacheSimulator, LOOKBACK_BLOCKS } from "./cache-simulator.ts";
export type { CacheOptions, CacheOutcome } from "./cache-simulator.ts";
export { imageTokens, textTokens, inputTokens, prefixBlocks } from "./usage.ts";
export type { WireUsage, PrefixBlock } from "./usage.ts";
export { readImageInfo, sniffImageFormat } from "@deskfleet/protocol/image-info";
export type { ImageInfo } from "@deskfleet/protocol/image-info";
export { makePng, pngBlock } from "./test-images.ts";
export { ApiError } from "./api-error.ts";
export type { ApiErrorType, ErrorBody } from "./api-error.ts";
export { validateRequest } from "./validate-request.ts";
export type { ValidateOptions, ValidatedRequest } from "./validate-request.ts";
export * as wire from "./wire-constants.ts";
