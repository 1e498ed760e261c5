import type { Role } from "@deskfleet/protocol";
import { maySee, ownOnlyOwner } from "../../domain/access/own-only.ts";
import { notFound } from "../../domain/api-error.ts";
import { getTaskRow } from "../../db/tasks.ts";
import { getTrajectory } from "../../db/trajectories.ts";
import { requireSchedule } from "../../domain/scheduling/schedule-service.ts";

type Identity = { id: string; role: Role };

/**
 * What a caller may reach under DESKFLEET_OWN_ONLY, for every route that
 * reads or acts on one task or schedule (its events, files, screenshots,
 * chain, help requests, trajectory): another operator's answers 404 exactly
 * like a missing one, so ids cannot be probed.
 */
export async function visibleTask(env: Env, identity: Identity, id: string) {
  const row = await getTaskRow(env.DB, id);
  if (!row || !maySee(env, identity, row.sourceMeta ?? null)) throw notFound("task", id);
  return row;
}

export async function visibleSchedule(env: Env, identity: Identity, id: string) {
  const row = await requireSchedule(env, id);
  const owner = ownOnlyOwner(env, identity);
  if (owner && row.createdBy !== owner) throw notFound("schedule", id);
  return row;
}

/** A trajectory is its schedule's, or (a one-off task's) the task's that recorded it. */
export async function visibleTrajectory(env: Env, identity: Identity, id: string) {
  const row = await getTrajectory(env.DB, id);
  if (!row) throw notFound("trajectory", id);
  if (ownOnlyOwner(env, identity) === null) return row;
  try {
    if (row.scheduleId) await visibleSchedule(env, identity, row.scheduleId);
    else if (row.sourceTaskId) await visibleTask(env, identity, row.sourceTaskId);
    else throw notFound("trajectory", id);
  } catch {
    throw notFound("trajectory", id);
  }
  return row;
}
