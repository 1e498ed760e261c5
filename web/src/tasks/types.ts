import type { InferResponseType } from "hono/client";
import type { api } from "../api/client.ts";

export type Task = InferResponseType<(typeof api.tasks)[":id"]["$get"], 200>;
export type TaskStatus = Task["status"];
export type Usage = Task["usage"];

export const TERMINAL: readonly TaskStatus[] = ["completed", "failed", "cancelled"];
export const isFinished = (s: TaskStatus): boolean => TERMINAL.includes(s);

/** The screenshot URL for a task (same origin, so the session cookie authorizes it). */
export const screenshotUrl = (taskId: string, name: string): string => `/api/tasks/${encodeURIComponent(taskId)}/screenshots/${encodeURIComponent(name)}`;
