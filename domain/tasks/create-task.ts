import type { Task, TaskOptions, TaskSource } from "@deskfleet/protocol";
import { ApiError } from "../api-error.ts";
import { newTaskId } from "../ids.ts";
import { getDesktop } from "../../db/desktops.ts";
import { taskObject } from "../addresses.ts";

export type CreateTaskInput = {
  prompt: string;
  desktopId?: string | null;
  labels?: string[];
  priority?: number;
  options: TaskOptions;
  source: TaskSource;
  sourceMeta?: Record<string, unknown> | null;
  scheduleId?: string | null;
  originalTaskId?: string | null;
  retryNumber?: number;
};

/** Creates a task through its TaskDO (the only writer of task state), from any channel. */
export async function createTask(env: Env, input: CreateTaskInput): Promise<Task> {
  if (input.desktopId && !(await getDesktop(env.DB, input.desktopId))) {
    throw new ApiError(422, "unknown_desktop", `desktop \`${input.desktopId}\` does not exist; list desktops with GET /api/desktops or add it first`);
  }
  const id = newTaskId();
  return taskObject(env, id).create({
    id,
    prompt: input.prompt,
    targetDesktopId: input.desktopId ?? null,
    targetLabels: input.desktopId ? [] : (input.labels ?? []),
    source: input.source,
    sourceMeta: input.sourceMeta ?? null,
    scheduleId: input.scheduleId ?? null,
    originalTaskId: input.originalTaskId ?? null,
    retryNumber: input.retryNumber ?? 0,
    priority: input.priority ?? 0,
    options: input.options,
  });
}
