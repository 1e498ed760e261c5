/** Test doubles for the computer-use loop, for benchmarks and tests outside the host. */
export { RecordingContext, type RecordedEvent } from "./recording-context.ts";
export { scriptedRunner } from "./scripted-runner.ts";
export { createInMemoryDesktop } from "./in-memory-screen.ts";
export { toolboxes } from "../../tools/testing/host-tools.ts";
