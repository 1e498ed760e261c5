import { z } from "zod";
import { EpochMs, TaskId } from "./ids.ts";
import { ReplayMode, TaskStatus } from "./task.ts";

/**
 * Trajectories: what a successful task really did (actions in screen pixels)
 * and saw (a fingerprint of the settled screen before each action), so a later
 * run can replay it on the host without the model. Images travel as PNGs in
 * base64 (R2 holds them); the index (steps, versions) is in D1.
 */

/** How a step of a run came about: by the model, replayed as recorded, replayed at a moved target, or by the model repairing a replay. */
export const StepOrigin = z.enum(["model", "replayed", "moved", "repaired", "person"]);
export type StepOrigin = z.infer<typeof StepOrigin>;

const Px = z.number().int().min(-100_000).max(100_000);
const ScreenPoint = z.tuple([Px, Px]);
export const ScreenRect = z.object({ x: Px, y: Px, width: z.number().int().positive().max(4096), height: z.number().int().positive().max(4096) });
export type ScreenRect = z.infer<typeof ScreenRect>;

/** A PNG, base64; fingerprints are small (a thumbnail, a crop), so a cap keeps an upload bounded. */
const Png64 = z.string().min(40).max(400_000).regex(/^[A-Za-z0-9+/]+=*$/, { message: "a PNG in base64" });

/**
 * An action as executed, in screen pixels. A secret is kept as a reference
 * (`secret`: its name), never its value.
 */
export const TrajectoryAction = z.object({
  name: z.string().min(1).max(64),
  coordinate: ScreenPoint.optional(),
  start_coordinate: ScreenPoint.optional(),
  text: z.string().max(10_000).optional(),
  repeat: z.number().int().positive().max(100).optional(),
  scroll_direction: z.enum(["up", "down", "left", "right"]).optional(),
  scroll_amount: z.number().nonnegative().max(50).optional(),
  duration: z.number().nonnegative().max(30).optional(),
  secret: z.string().min(1).max(100).optional(),
});
export type TrajectoryAction = z.infer<typeof TrajectoryAction>;

/** The settled screen before a step: a small grayscale thumbnail of the whole screen, and a crop around the target at full resolution. */
export const ScreenFingerprint = z.object({
  thumb: Png64,
  crop: z.object({ rect: ScreenRect, png: Png64 }).nullable(),
  /** Where the pointer was (screen pixels): its picture is left out of comparisons. */
  pointer: ScreenPoint.optional(),
});
export type ScreenFingerprint = z.infer<typeof ScreenFingerprint>;

export const TrajectoryStep = z.object({
  action: TrajectoryAction,
  before: ScreenFingerprint,
  origin: StepOrigin,
  /** Where a moved target was found, relative to the recording. */
  moved: z.object({ dx: Px, dy: Px }).optional(),
});
export type TrajectoryStep = z.infer<typeof TrajectoryStep>;

export const MAX_TRAJECTORY_STEPS = 500;

/** A host saves what a completed task did: `POST /api/hosts/tasks/:id/trajectory`. */
export const SaveTrajectoryBody = z.strictObject({
  screen: z.object({ width: z.number().int().positive().max(16_384), height: z.number().int().positive().max(16_384) }),
  steps: z.array(TrajectoryStep).min(1).max(MAX_TRAJECTORY_STEPS),
  /** The settled screen after the last step. */
  final: z.object({ thumb: Png64 }),
  result: z.string().max(50_000),
  /** The trajectory this run replayed (and repaired), if any. */
  basedOn: z.string().max(64).nullable(),
  modelCalls: z.number().int().nonnegative(),
  costUsd: z.number().nonnegative(),
  wallMs: z.number().int().nonnegative(),
});
export type SaveTrajectoryBody = z.infer<typeof SaveTrajectoryBody>;

/** What a host gets to replay: `GET /api/hosts/tasks/:id/trajectory` (`trajectory` null when there is none, or replay is off). */
export const ReplayableTrajectory = z.object({
  id: z.string(),
  version: z.number().int().positive(),
  screen: SaveTrajectoryBody.shape.screen,
  steps: z.array(TrajectoryStep),
  final: z.object({ thumb: Png64 }),
  result: z.string(),
  /** What the recorded run cost with the model: the "instead of" of a replay's summary. */
  modelCostUsd: z.number().nonnegative(),
});
export type ReplayableTrajectory = z.infer<typeof ReplayableTrajectory>;
export const ReplayLookup = z.object({ trajectory: ReplayableTrajectory.nullable(), reason: z.string() });
export type ReplayLookup = z.infer<typeof ReplayLookup>;

/** How a run that had a trajectory ended: all replayed, repaired by the model, or not completed. */
export const ReplayOutcome = z.enum(["replayed", "repaired", "failed"]);
export type ReplayOutcome = z.infer<typeof ReplayOutcome>;

/** The `replay` event's data: a run's replay summary ("replayed 18 of 20 steps, model for 2, $0.03 instead of ~$0.41"). */
export const ReplaySummary = z.object({
  trajectoryId: z.string().max(64),
  version: z.number().int().positive(),
  outcome: ReplayOutcome,
  stepsTotal: z.number().int().nonnegative(),
  stepsReplayed: z.number().int().nonnegative(),
  stepsMoved: z.number().int().nonnegative(),
  /** Steps the model took after the hand-over. */
  modelSteps: z.number().int().nonnegative(),
  modelCalls: z.number().int().nonnegative(),
  /** The first recorded step (1-based) whose screen did not match, or null. */
  mismatchStep: z.number().int().positive().nullable(),
  /** Why it did not match, in words. */
  mismatch: z.string().max(500).nullable(),
  costUsd: z.number().nonnegative(),
  /** What the recorded run cost with the model. */
  modelCostUsd: z.number().nonnegative(),
  wallMs: z.number().int().nonnegative(),
});
export type ReplaySummary = z.infer<typeof ReplaySummary>;

/** One step of a trajectory as the dashboard shows it. */
export const TrajectoryStepView = z.object({
  index: z.number().int().positive(),
  action: TrajectoryAction,
  origin: StepOrigin,
  moved: z.object({ dx: z.number(), dy: z.number() }).nullable(),
  /** The before-thumbnail's name for `GET /api/trajectories/:id/images/:name`. */
  thumb: z.string(),
});
export type TrajectoryStepView = z.infer<typeof TrajectoryStepView>;

export const TrajectoryVersion = z.object({
  id: z.string(),
  version: z.number().int().positive(),
  promptVersion: z.number().int().nullable(),
  origin: z.enum(["model", "repair", "replay", "demonstration"]),
  sourceTaskId: TaskId.nullable(),
  stepCount: z.number().int().nonnegative(),
  modelCalls: z.number().int().nonnegative(),
  costUsd: z.number().nonnegative(),
  wallMs: z.number().int().nonnegative(),
  createdAt: EpochMs,
  forgottenAt: EpochMs.nullable(),
});
export type TrajectoryVersion = z.infer<typeof TrajectoryVersion>;

/** One run of a schedule, as the Trajectory tab lists it. */
export const TrajectoryRun = z.object({
  taskId: TaskId,
  status: TaskStatus,
  createdAt: EpochMs,
  wallMs: z.number().int().nonnegative().nullable(),
  costUsd: z.number().nonnegative(),
  replay: ReplaySummary.nullable(),
});
export type TrajectoryRun = z.infer<typeof TrajectoryRun>;

/** `GET /api/schedules/:id/trajectory`. */
export const ScheduleTrajectory = z.object({
  replay: ReplayMode,
  current: TrajectoryVersion.nullable(),
  steps: z.array(TrajectoryStepView),
  versions: z.array(TrajectoryVersion),
  runs: z.array(TrajectoryRun),
});
export type ScheduleTrajectory = z.infer<typeof ScheduleTrajectory>;
