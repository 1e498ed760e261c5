/** The Claude computer-use loop: a TaskRunner, its Desktop over RFB, and the cost helpers the benchmark uses. */
export { createComputerUseRunner, type ComputerUseRunnerOptions } from "./runner.ts";
export type { Desktop, DesktopInfo, ModelPoint, ModelRegion, MouseButton, Screenshot, ScrollDirection } from "./desktop.ts";
export { RfbDesktop, type RfbConnection, type RfbDesktopOptions } from "./rfb-desktop.ts";
export { DesktopComputerToolset } from "./computer-toolset.ts";
export { DEFAULT_PRICES, UNKNOWN_MODEL_PRICE, costOfUsage, priceFor, type ModelPrice, type PriceTable, type StepUsage } from "./pricing.ts";
export { sessionCost, type SessionCost } from "./session-cost.ts";
export type { ContextStrategy } from "./prompt-cache.ts";
export type { PruneOptions } from "./image-pruning.ts";
export { DEFAULT_PRUNE } from "./image-pruning.ts";
export { UNCHANGED_SCREENSHOT_TEXT } from "./tool-dispatch.ts";
export { HostToolbox, TaskTools, type ToolboxOptions } from "../tools/toolbox.ts";
export { hostToolbox, type HostToolSettings } from "../tools/host-toolbox.ts";
