import type { Task, TaskOptions, TaskSource } from "@deskfleet/protocol";
import { ApiError } from "../api-error.ts";
import { newTaskId } from "../ids.ts";
import { getDesktop } from "../../db/desktops.ts";
import { taskObject } from "../addresses.ts";
import { checkNamedSecrets } from "../vault/task-secrets.ts";

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

const AUTOMATIC = new Set<TaskSource>(["scheduler", "healer", "optimizer"]);

/** Creates a task through its TaskDO (the only writer of task state), from any channel. */
export async function createTask(env: Env, input: CreateTaskInput): Promise<Task> {
  if (input.desktopId && !(await getDesktop(env.DB, input.desktopId))) {
    throw new ApiError(422, "unknown_desktop", `desktop \`${input.desktopId}\` does not exist; list desktops with GET /api/desktops or add it first`);
  }
  // Runs a schedule, a healer or an optimizer starts were checked when their prompt was saved; a secret deleted since fails at typing time.
  if (!AUTOMATIC.has(input.source)) await checkNamedSecrets(env.DB, input.prompt, input.options);
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
