import type { ReplayableTrajectory } from "@deskfleet/protocol";
import { describePlaceholders, MAX_MESSAGE_CHARS, truncate } from "@deskfleet/protocol";
import type { BetaContentBlockParam } from "@anthropic-ai/sdk/resources/beta";
import type { RgbaImage } from "@deskfleet/rfb/image/scale";
import type { TaskContext, TaskOutcome } from "../task-runner.ts";
import type { Conversation } from "../agent/conversation-store.ts";
import type { Desktop } from "../agent/desktop.ts";
import { ScreenshotPublisher } from "../agent/tool-dispatch.ts";
import { describeStep } from "./actions.ts";
import { TrajectoryRecorder } from "./recorder.ts";
import { replayTrajectory, type ReplayOptions, type ReplayResult } from "./replayer.ts";

// A run with trajectories: replay the latest good one when the control plane
// has it, hand over to the model at the first mismatch (with what happened),
// and save a completed run that the model took part in (or where targets
// moved) as the next version. Without a trajectory store, or on a desktop
// without frames, this is just the model's run.

export type ModelRun = (ctx: TaskContext) => Promise<TaskOutcome>;

export async function runWithTrajectories(ctx: TaskContext, desktop: Desktop, conv: Conversation, runModel: ModelRun, options: ReplayOptions = {}): Promise<TaskOutcome> {
  const store = ctx.trajectories;
  // A resumed task (a follow-up, a reconnect) continues its conversation; it neither replays nor records.
  if (!store || !hasFrames(desktop) || ctx.task.resume || conv.messages.length > 0) return runModel(ctx);
  const framed = desktop;
  const started = Date.now();
  const log = (level: "info" | "warn", message: string) => ctx.emit("log", { level, message: truncate(message, MAX_MESSAGE_CHARS) });
  const recorder = new TrajectoryRecorder(framed);
  const rctx = recorder.wrap(ctx);

  let trajectory: ReplayableTrajectory | null = null;
  try {
    trajectory = (await store.lookup()).trajectory;
  } catch (error) {
    log("warn", `Could not fetch this task's recorded trajectory, so the model runs it: ${error instanceof Error ? error.message : String(error)}`);
  }

  let replay: ReplayResult | null = null;
  let outcome: TaskOutcome;
  if (trajectory) {
    log("info", `Replaying recorded trajectory version ${trajectory.version} (${trajectory.steps.length} steps) without the model.`);
    try {
      replay = await replayTrajectory(rctx, framed, trajectory, recorder, options);
    } catch (error) {
      // Cancelled mid-step: nothing this replay pressed stays held.
      await framed.releaseAll().catch(() => undefined);
      throw error;
    }
    if (replay.kind === "done") {
      outcome = { status: "completed", result: trajectory.result };
    } else {
      log("info", `Replay stopped ${replay.step === null ? "at the end" : `at step ${replay.step} of ${trajectory.steps.length}`}: ${replay.reason}. Handing over to the model.`);
      conv.messages.push({ role: "user", content: await handOverTurn(rctx, framed, trajectory, replay) });
      recorder.repairing = true;
      outcome = await runModel(rctx);
    }
    ctx.emit("replay", {
      trajectoryId: trajectory.id,
      version: trajectory.version,
      outcome: replay.kind === "done" ? "replayed" : outcome.status === "completed" ? "repaired" : "failed",
      stepsTotal: trajectory.steps.length,
      stepsReplayed: replay.replayed,
      stepsMoved: replay.moved,
      modelSteps: recorder.count("repaired"),
      modelCalls: recorder.modelCalls,
      mismatchStep: replay.kind === "mismatch" ? replay.step : null,
      mismatch: replay.kind === "mismatch" ? truncate(replay.reason, 500) : null,
      costUsd: recorder.costUsd,
      modelCostUsd: trajectory.modelCostUsd,
      wallMs: Date.now() - started,
    });
  } else {
    outcome = await runModel(rctx);
  }

  // A pure replay at the recorded places adds nothing; anything else that completed is the new version.
  if (outcome.status === "completed" && recorder.unreplayable !== null) {
    log("info", `Not recording this run as a trajectory: it used ${recorder.unreplayable}, which a replay of screen actions cannot redo.`);
  } else if (outcome.status === "completed" && recorder.interrupted) {
    log("info", "Not recording this run as a trajectory: a person took over the desktop during it (save the takeover as a demonstration instead).");
  } else if (outcome.status === "completed" && !(replay?.kind === "done" && replay.moved === 0)) {
    try {
      const body = await recorder.finish({ result: outcome.result, basedOn: trajectory?.id ?? null, wallMs: Date.now() - started });
      if (body) {
        const saved = await store.save(body);
        log("info", `Recorded this run as trajectory version ${saved.version} (${body.steps.length} steps).`);
      }
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      log("warn", `Could not save this run's trajectory: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return outcome;
}

function hasFrames(d: Desktop): d is Desktop & { frame(): RgbaImage } {
  return typeof d.frame === "function";
}

/** What the model is told when a replay hands over: the task, what was replayed, where the screen stopped matching, and the screen now. */
async function handOverTurn(ctx: TaskContext, desktop: Desktop, t: ReplayableTrajectory, r: Extract<ReplayResult, { kind: "mismatch" }>): Promise<BetaContentBlockParam[]> {
  const { screen, model } = desktop.info();
  const done = t.steps.slice(0, r.replayed).map((s, i) => `${i + 1}. ${describeStep(s.action, model, screen)}`);
  const where = r.step === null
    ? `All ${t.steps.length} recorded steps were replayed, but the final screen does not match the recording (${r.reason}). Check whether the task is done, finish it if not, and say what the result is.`
    : `The screen no longer matches the recording at step ${r.step} (${r.reason}); the recording would have done: ${describeStep(t.steps[r.step - 1]!.action, model, screen)}. Continue the task from the screen as it is now.`;
  const lines = [
    // As in the loop's opening turn: a `{{secret:name}}` placeholder reads as a pointer to type_secret.
    describePlaceholders(ctx.task.prompt),
    ...(ctx.task.options.startUrl ? [`The browser was asked to open ${ctx.task.options.startUrl} before you started.`] : []),
    done.length > 0
      ? `This task was done before and recorded; Deskfleet replayed ${done.length} of its ${t.steps.length} steps without you:\n${done.join("\n")}`
      : `This task was done before and recorded, but no step of the recording could be replayed.`,
    where,
    ...ctx.task.followUps.map((f) => describePlaceholders(f.text)),
  ];
  const shot = await desktop.screenshot();
  const data = Buffer.from(shot.png).toString("base64");
  await new ScreenshotPublisher().publishImage(data, ctx, 0);
  return [
    { type: "text", text: lines.join("\n\n") },
    { type: "text", text: "The screen now:" },
    { type: "image", source: { type: "base64", media_type: "image/png", data } },
  ];
}
