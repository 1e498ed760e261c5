import type { ReplayableTrajectory, TrajectoryAction, TrajectoryStep } from "@deskfleet/protocol";
import type { Point, Rect, RgbaImage } from "@deskfleet/rfb/image/scale";
import type { Desktop } from "../agent/desktop.ts";
import type { TaskContext } from "../task-runner.ts";
import { openStartPage } from "../agent/start-page.ts";
import { isPointerAction, movedBy, runTrajectoryAction, SECRET_ACTIONS, targetOf, toActionInput } from "./actions.ts";
import {
  CROP_TOLERANCE, cropDifference, differingFraction, pngToGray, searchCrop, THUMB_LEVELS, THUMB_TOLERANCE, type Gray, type Pointers,
} from "./fingerprint.ts";
import { capture, type Captured, type TrajectoryRecorder } from "./recorder.ts";

// Replays a recorded trajectory on the host without the model: for each step,
// the settled screen must look like the recording (thumbnail within a
// tolerance, target crop in place or found nearby), then the action runs. The
// first step whose screen does not match ends the replay, before anything is
// clicked on a screen it does not recognise; the model takes over from there.

export type ReplayResult =
  | { kind: "done"; replayed: number; moved: number }
  | { kind: "mismatch"; /** 1-based; null when every step ran but the final screen differs. */ step: number | null; reason: string; replayed: number; moved: number };

export type ReplayOptions = {
  /** How long a step's screen may take to match before it is a mismatch. Default 4 s. */
  matchWithinMs?: number;
  /** How long the target is looked for in place before searching for it elsewhere. Default 600 ms. */
  searchAfterMs?: number;
  /** How often the screen is compared while it does not match yet. Default 80 ms. */
  pollMs?: number;
};

type Recorded = { thumb: Gray; crop: { gray: Gray; rect: Rect } | null; pointer: Point | null };
type Match = { ok: true; shot: Captured; moved: { dx: number; dy: number } | null } | { ok: false; reason: string };
type FrameDesktop = Desktop & { frame(): RgbaImage };

const fromB64 = (b64: string) => new Uint8Array(Buffer.from(b64, "base64"));
const pct = (f: number) => `${(f * 100).toFixed(1)} %`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function decodeStep(s: TrajectoryStep): Recorded {
  const p = s.before.pointer;
  return {
    thumb: pngToGray(fromB64(s.before.thumb)),
    crop: s.before.crop ? { gray: pngToGray(fromB64(s.before.crop.png)), rect: s.before.crop.rect } : null,
    pointer: p ? { x: p[0], y: p[1] } : null,
  };
}

export async function replayTrajectory(ctx: TaskContext, desktop: FrameDesktop, t: ReplayableTrajectory, recorder: TrajectoryRecorder, o: ReplayOptions = {}): Promise<ReplayResult> {
  const matchWithinMs = o.matchWithinMs ?? 4000;
  const searchAfterMs = o.searchAfterMs ?? 600;
  const pollMs = o.pollMs ?? 80;
  const { screen, model } = desktop.info();
  let replayed = 0;
  let moved = 0;
  const stop = (step: number | null, reason: string): ReplayResult => ({ kind: "mismatch", step, reason, replayed, moved });
  if (screen.width !== t.screen.width || screen.height !== t.screen.height) {
    return stop(1, `the screen is ${screen.width}×${screen.height}; the recording was made at ${t.screen.width}×${t.screen.height}`);
  }
  const recorded = t.steps.map(decodeStep);
  const url = ctx.task.options.startUrl;
  if (url) await openStartPage(ctx, desktop, url);

  for (let i = 0; i < t.steps.length; i++) {
    ctx.signal.throwIfAborted();
    const control = await ctx.whenInControl();
    if (control.handedBack !== null) return stop(i + 1, "a person took over the desktop during the replay");
    const step = t.steps[i]!;
    const match = await matchStep(desktop, step.action, recorded[i]!, { matchWithinMs, searchAfterMs, pollMs }, ctx.signal);
    if (!match.ok) return stop(i + 1, match.reason);

    if (SECRET_ACTIONS.has(step.action.name)) {
      // The value comes from the vault at this moment, as for the model's type_secret; never from the recording.
      const name = step.action.secret ?? "";
      const secret = await ctx.secretValue(name);
      if (!secret.ok) return stop(i + 1, `step ${i + 1} types the secret "${name}", which this task cannot get now: ${secret.message}`);
      ctx.emit("action", { name: step.action.name, input: { name }, step: 0, replay: "replayed" });
      const before = match.shot.fingerprint(match.shot.pointer);
      await desktop.type(secret.value);
      ctx.emit("secret_typed", { name, source: secret.source, characters: secret.value.length, step: 0 });
      ctx.emit("action_result", { ok: true, summary: `Replayed: typed secret \`${name}\`.`, step: 0 });
      recorder.add({ action: step.action, before, origin: "replayed" });
      replayed++;
      continue;
    }
    const action = match.moved ? movedBy(step.action, match.moved.dx, match.moved.dy) : step.action;
    const marking = match.moved ? ("moved" as const) : ("replayed" as const);
    ctx.emit("action", { name: action.name, input: toActionInput(action, model, screen), step: 0, replay: marking, ...(match.moved ? { moved: match.moved } : {}) });
    const before = match.shot.fingerprint(targetOf(action, match.shot.pointer));
    const outcome = await runTrajectoryAction(desktop, action, ctx.signal);
    if (outcome === null) return stop(i + 1, `this host cannot replay the action ${action.name}`);
    ctx.emit("action_result", { ok: true, summary: match.moved ? `Replayed at the target's new place (moved ${match.moved.dx}, ${match.moved.dy} px).` : "Replayed.", step: 0 });
    recorder.add({ action, before, origin: marking, ...(match.moved ? { moved: match.moved } : {}) });
    replayed++;
    if (match.moved) moved++;
  }

  // The end must look like the recording's end too: a replay that did every step to a different screen did not succeed.
  const final = pngToGray(fromB64(t.final.thumb));
  const deadline = Date.now() + matchWithinMs;
  let difference = 1;
  for (;;) {
    ctx.signal.throwIfAborted();
    difference = differingFraction(capture(desktop).thumb, final, THUMB_LEVELS);
    if (difference <= THUMB_TOLERANCE) return { kind: "done", replayed, moved };
    if (Date.now() > deadline) break;
    await sleep(pollMs);
  }
  return stop(null, `the final screen does not match the recording (${pct(difference)} of it differs)`);
}

async function matchStep(desktop: FrameDesktop, action: TrajectoryAction, rec: Recorded, o: Required<ReplayOptions>, signal: AbortSignal): Promise<Match> {
  const start = Date.now();
  let reason = "the screen does not match the recording";
  // A keyboard step's crop is around the pointer (what was clicked last), so it follows the pointer; a pointer step's is at its target.
  const follows = !isPointerAction(action);
  for (;;) {
    signal.throwIfAborted();
    const shot = capture(desktop);
    const thumbDiff = differingFraction(shot.thumb, rec.thumb, THUMB_LEVELS);
    const thumbOk = thumbDiff <= THUMB_TOLERANCE;
    if (!thumbOk) reason = `the screen differs from the recording (${pct(thumbDiff)} of the thumbnail)`;
    if (thumbOk && !rec.crop) return { ok: true, shot, moved: null };
    if (thumbOk && rec.crop) {
      const { rect, gray } = rec.crop;
      const offset = follows && rec.pointer ? { dx: shot.pointer.x - rec.pointer.x, dy: shot.pointer.y - rec.pointer.y } : { dx: 0, dy: 0 };
      const at = { x: rect.x + offset.dx, y: rect.y + offset.dy };
      const pointers: Pointers = { onScreen: [shot.pointer], inCrop: rec.pointer ? [{ x: rec.pointer.x - rect.x, y: rec.pointer.y - rect.y }] : [] };
      const d = cropDifference(shot.gray, gray, at, pointers);
      if (d <= CROP_TOLERANCE) return { ok: true, shot, moved: null };
      reason = `the target of this step looks different (${pct(d)} of its crop differs)`;
      if (!follows && Date.now() - start >= o.searchAfterMs) {
        const found = searchCrop(shot.gray, gray, at, pointers);
        if (found.kind === "found") return { ok: true, shot, moved: { dx: found.found.at.x - rect.x, dy: found.found.at.y - rect.y } };
        reason = found.kind === "ambiguous"
          ? `the target of this step matches in ${found.places.length} places; a replay does not guess`
          : `the target of this step is nowhere on the screen (the closest place differs by ${pct(found.best)})`;
      }
    }
    if (Date.now() - start > o.matchWithinMs) return { ok: false, reason };
    await sleep(o.pollMs);
  }
}
