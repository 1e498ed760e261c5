import type { ReplayableTrajectory, ReplayLookup, SaveTrajectoryBody, ScheduledRunMeta, TrajectoryAction, TrajectoryStep } from "@deskfleet/protocol";
import { ReplayMode, TrajectoryAction as TrajectoryActionSchema } from "@deskfleet/protocol";
import { getSchedule } from "../../db/schedules.ts";
import type { TaskRow } from "../../db/tasks.ts";
import { getTrajectory, insertTrajectory, latestTrajectory, scheduleScope, stepsOfTrajectory, type TrajectoryRow } from "../../db/trajectories.ts";
import { newId } from "../ids.ts";

// Trajectories in R2 (the fingerprint PNGs) and D1 (the index): saved from
// what a host reports after a completed task, and read back for the next run
// of the same schedule (and prompt version) or the same one-off prompt.

/** R2 keys are derived from the trajectory id; a name is `<step>-thumb.png`, `<step>-crop.png` or `final-thumb.png`. */
export const trajectoryImageKey = (trajectoryId: string, name: string) => `trajectories/${trajectoryId}/${name}`;
export const TRAJECTORY_IMAGE_NAME = /^(?:\d{1,3}-(?:thumb|crop)|final-thumb)\.png$/;

/** What a task's trajectory is tied to: its schedule (and prompt version), or its prompt and start page. */
export async function scopeOfTask(task: TaskRow): Promise<{ scope: string; scheduleId: string | null; promptVersion: number | null }> {
  if (task.scheduleId) {
    const meta = task.sourceMeta as Partial<ScheduledRunMeta> | null;
    return { scope: scheduleScope(task.scheduleId), scheduleId: task.scheduleId, promptVersion: typeof meta?.promptVersion === "number" ? meta.promptVersion : null };
  }
  const startUrl = typeof task.options["startUrl"] === "string" ? task.options["startUrl"] : "";
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${task.prompt}\n${startUrl}`));
  const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return { scope: `prompt:${hex}`, scheduleId: null, promptVersion: null };
}

/** Whether a task replays: its own option, else its schedule's (default "auto"); one-off tasks default to "off". */
export async function replayModeOf(env: Env, task: TaskRow): Promise<ReplayMode> {
  const own = ReplayMode.safeParse(task.options["replay"]);
  if (own.success) return own.data;
  if (!task.scheduleId) return "off";
  const schedule = await getSchedule(env.DB, task.scheduleId);
  const mode = ReplayMode.safeParse(schedule?.options["replay"]);
  return mode.success ? mode.data : "auto";
}

function fromBase64(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function toBase64(bytes: Uint8Array): string {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/** Stores a completed task's trajectory as the next version of its scope. */
export async function saveTrajectory(env: Env, task: TaskRow, body: SaveTrajectoryBody): Promise<{ id: string; version: number }> {
  const { scope, scheduleId, promptVersion } = await scopeOfTask(task);
  const origin = body.basedOn === null ? "model" : body.steps.some((s) => s.origin === "repaired") ? "repair" : "replay";
  return storeTrajectory(env, { scope, scheduleId, promptVersion, origin, sourceTaskId: task.id }, body);
}

/** Stores a person's takeover as the next version of a schedule's trajectory: its next run replays what they did. */
export async function saveDemonstration(env: Env, schedule: { id: string; promptVersion: number }, sourceTaskId: string | null, body: SaveTrajectoryBody): Promise<{ id: string; version: number }> {
  return storeTrajectory(env, { scope: scheduleScope(schedule.id), scheduleId: schedule.id, promptVersion: schedule.promptVersion, origin: "demonstration", sourceTaskId }, body);
}

type Where = { scope: string; scheduleId: string | null; promptVersion: number | null; origin: "model" | "repair" | "replay" | "demonstration"; sourceTaskId: string | null };

async function storeTrajectory(env: Env, where: Where, body: SaveTrajectoryBody): Promise<{ id: string; version: number }> {
  const id = newId("trj");
  const put = (name: string, b64: string) =>
    env.SCREENSHOTS.put(trajectoryImageKey(id, name), fromBase64(b64), { httpMetadata: { contentType: "image/png" }, customMetadata: { trajectoryId: id, ...(where.sourceTaskId ? { taskId: where.sourceTaskId } : {}) } });
  // Images first: a row in D1 always has its images.
  await Promise.all([
    ...body.steps.flatMap((s, i) => [put(`${i + 1}-thumb.png`, s.before.thumb), ...(s.before.crop ? [put(`${i + 1}-crop.png`, s.before.crop.png)] : [])]),
    put("final-thumb.png", body.final.thumb),
  ]);
  const version = await insertTrajectory(
    env.DB,
    {
      id, ...where, basedOn: body.basedOn,
      stepCount: body.steps.length, screenWidth: body.screen.width, screenHeight: body.screen.height, result: body.result,
      modelCalls: body.modelCalls, costUsd: body.costUsd, wallMs: body.wallMs, r2Prefix: trajectoryImageKey(id, ""), createdAt: Date.now(),
    },
    body.steps.map((s) => ({ action: s.action, origin: s.origin, moved: s.moved ?? null, cropRect: s.before.crop?.rect ?? null })),
  );
  return { id, version };
}

/** The trajectory a task should replay, with its images, or why there is none. */
export async function trajectoryForTask(env: Env, task: TaskRow): Promise<ReplayLookup> {
  if ((await replayModeOf(env, task)) === "off") return { trajectory: null, reason: "replay is off for this task" };
  const { scope, promptVersion } = await scopeOfTask(task);
  const row = await latestTrajectory(env.DB, scope, promptVersion);
  if (!row) return { trajectory: null, reason: "no successful run has been recorded for this task yet" };
  const trajectory = await loadTrajectory(env, row);
  return trajectory ? { trajectory, reason: `version ${row.version}` } : { trajectory: null, reason: `trajectory ${row.id} has lost images in storage` };
}

/** What the model cost on the run the trajectory came from (the "instead of" in a replay's summary): the first model-made version's cost. */
async function modelCostOf(env: Env, row: TrajectoryRow): Promise<number> {
  let current: TrajectoryRow | null = row;
  for (let hops = 0; current && hops < 50; hops++) {
    if (current.origin === "model") return current.costUsd;
    if (!current.basedOn) break;
    current = await getTrajectory(env.DB, current.basedOn);
  }
  return row.costUsd;
}

async function loadTrajectory(env: Env, row: TrajectoryRow): Promise<ReplayableTrajectory | null> {
  const steps = await stepsOfTrajectory(env.DB, row.id);
  const read = async (name: string): Promise<string | null> => {
    const obj = await env.SCREENSHOTS.get(trajectoryImageKey(row.id, name));
    return obj ? toBase64(new Uint8Array(await obj.arrayBuffer())) : null;
  };
  const out: TrajectoryStep[] = [];
  for (const s of steps) {
    const thumb = await read(`${s.idx}-thumb.png`);
    const crop = s.cropRect ? await read(`${s.idx}-crop.png`) : null;
    if (thumb === null || (s.cropRect && crop === null)) return null;
    const action: TrajectoryAction = TrajectoryActionSchema.parse(s.action);
    out.push({ action, origin: s.origin, ...(s.moved ? { moved: s.moved } : {}), before: { thumb, crop: s.cropRect && crop ? { rect: s.cropRect, png: crop } : null } });
  }
  const final = await read("final-thumb.png");
  if (final === null) return null;
  return {
    id: row.id, version: row.version, screen: { width: row.screenWidth, height: row.screenHeight }, steps: out, final: { thumb: final }, result: row.result,
    modelCostUsd: await modelCostOf(env, row),
  };
}
