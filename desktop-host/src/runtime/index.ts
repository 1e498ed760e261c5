/** The host runtime (control channel, outbox, reconnects) and the seam a task runner implements. */
export { HostRuntime, type HostExit, type HostRuntimeOptions } from "./host-runtime.ts";
export { createLogger, type Logger, type LoggerOptions, type LogLevel } from "./logger.ts";
export { liveDesktop, type LiveDesktop, type LiveDesktopOptions } from "../tunnel/live-desktop.ts";
export type { FollowUp, HelpOutcome, SecretValue, TaskContext, TaskOutcome, TaskRunner } from "../task-runner.ts";
export { SecretRedactions } from "./secret-redactions.ts";
export { taskAbility, type TaskAbility } from "../cli/task-ability.ts";
