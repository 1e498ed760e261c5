export * from "./ids.ts";
export * from "./task.ts";
export * from "./task-events.ts";
export * from "./host-protocol.ts";
export * from "./feed.ts";
export * from "./api.ts";
export * from "./session.ts";
export * from "./schedules.ts";
