export { runWithTrajectories, type ModelRun } from "./replaying-runner.ts";
export { TrajectoryRecorder } from "./recorder.ts";
export { replayTrajectory, type ReplayOptions, type ReplayResult } from "./replayer.ts";
export { trajectoryStore } from "./trajectory-client.ts";
export * as fingerprint from "./fingerprint.ts";
export type { TrajectoryStore } from "../task-runner.ts";
export { MemoryTrajectoryStore } from "./memory-store.ts";
