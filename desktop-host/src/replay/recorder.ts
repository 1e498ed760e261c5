import type { ActionInput, HostEventInput, SaveTrajectoryBody, ScreenFingerprint, StepOrigin, TrajectoryAction, TrajectoryStep } from "@deskfleet/protocol";
import { modelToScreen, type Point } from "@deskfleet/rfb/image/scale";
import type { Desktop } from "../agent/desktop.ts";
import type { TaskContext } from "../task-runner.ts";
import { isRecordable, isUnreplayable, targetOf, toTrajectoryAction } from "./actions.ts";
import { crop, cropRectAround, grayToPng, thumbnail, toGray, type Gray } from "./fingerprint.ts";

// Records a run's trajectory from what the host really did and saw: each
// action as executed (screen pixels) with a fingerprint of the settled screen
// before it, and the screen after the last. The loop needs no changes: the
// recorder sees its `action` / `action_result` events through the context.

/** A fingerprint taken now (pixels read at once), its PNGs encoded later. */
export type Captured = { gray: Gray; thumb: Gray; pointer: Point; fingerprint: (target: Point | null) => Promise<ScreenFingerprint> };

export function capture(desktop: Desktop & { frame(): import("@deskfleet/rfb/image/scale").RgbaImage }): Captured {
  const gray = toGray(desktop.frame());
  const thumb = thumbnail(gray);
  const { screen, model } = desktop.info();
  const pointer = modelToScreen(desktop.cursorPosition(), model, screen);
  return {
    gray, thumb, pointer,
    fingerprint: async (target) => {
      const rect = target ? cropRectAround(target, screen) : null;
      const thumbPng = grayToPng(thumb);
      const cropPng = rect ? grayToPng(crop(gray, rect)) : null;
      return {
        thumb: Buffer.from(await thumbPng).toString("base64"),
        crop: rect && cropPng ? { rect, png: Buffer.from(await cropPng).toString("base64") } : null,
        pointer: [pointer.x, pointer.y],
      };
    },
  };
}

type Pending = { action: TrajectoryAction; before: Promise<ScreenFingerprint>; origin: StepOrigin };
type RecordedStep = { action: TrajectoryAction; before: Promise<ScreenFingerprint>; origin: StepOrigin; moved?: { dx: number; dy: number } };

export class TrajectoryRecorder {
  readonly #desktop: Desktop & { frame(): import("@deskfleet/rfb/image/scale").RgbaImage };
  readonly #steps: RecordedStep[] = [];
  #pending: Pending | null = null;
  /** Set once a replay handed over: the model's actions from then on are repairs. */
  repairing = false;
  modelCalls = 0;
  costUsd = 0;
  /** A person took over during the run: the steps seen here are not the whole story, so nothing is saved. */
  interrupted = false;
  /** The first tool the run used that a replay cannot redo (shell, files, browser…), if any: then nothing is saved. */
  unreplayable: string | null = null;

  constructor(desktop: Desktop & { frame(): import("@deskfleet/rfb/image/scale").RgbaImage }) {
    this.#desktop = desktop;
  }

  get stepCount(): number {
    return this.#steps.length;
  }

  /** Steps recorded with this origin so far. */
  count(origin: StepOrigin): number {
    return this.#steps.filter((s) => s.origin === origin).length;
  }

  /** The task's context with the recorder listening to what the loop emits. */
  wrap(ctx: TaskContext): TaskContext {
    const emit: TaskContext["emit"] = (kind, data) => {
      if (kind === "action") {
        const a = data as { name: string; input: ActionInput; reason?: string; replay?: string };
        this.#pending = null;
        // The model's own actions; a replay adds its steps itself (add), and the start page is not part of the task.
        const byModel = a.reason !== "startUrl" && a.replay === undefined;
        if (byModel && isRecordable(a.name)) this.#observe(a.name, a.input);
        if (byModel && isUnreplayable(a.name)) this.unreplayable ??= a.name;
        if (byModel && this.repairing) {
          ctx.emit("action", { ...(data as HostEventInput<"action">), replay: "repaired" });
          return;
        }
      } else if (kind === "action_result") {
        const r = data as { ok: boolean };
        if (this.#pending && r.ok) this.#steps.push(this.#pending);
        this.#pending = null;
      } else if (kind === "usage") {
        this.modelCalls++;
        this.costUsd += (data as { costUsd: number }).costUsd;
      }
      ctx.emit(kind, data);
    };
    const whenInControl: TaskContext["whenInControl"] = async () => {
      const control = await ctx.whenInControl();
      // What a person did during a takeover is not in this recording (DesktopDO records it as a demonstration).
      if (control.handedBack !== null) this.interrupted = true;
      return control;
    };
    // Everything else is the task's own context, methods bound to it: the recorder only listens.
    return new Proxy(ctx, {
      get: (target, prop) => {
        if (prop === "emit") return emit;
        if (prop === "whenInControl") return whenInControl;
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  #observe(name: string, input: ActionInput): void {
    const { screen, model } = this.#desktop.info();
    const action = toTrajectoryAction(name, input, model, screen);
    const shot = capture(this.#desktop);
    this.#pending = { action, before: shot.fingerprint(targetOf(action, shot.pointer)), origin: this.repairing ? "repaired" : "model" };
  }

  /** A step a replay executed, with the fingerprint of the screen it saw before. */
  add(step: { action: TrajectoryAction; before: Promise<ScreenFingerprint>; origin: StepOrigin; moved?: { dx: number; dy: number } }): void {
    this.#steps.push(step);
  }

  /** What to save for this run: its steps and the settled screen now (after the last step). */
  async finish(o: { result: string; basedOn: string | null; wallMs: number }): Promise<SaveTrajectoryBody | null> {
    if (this.#steps.length === 0) return null;
    const last = capture(this.#desktop);
    const steps: TrajectoryStep[] = [];
    for (const s of this.#steps) steps.push({ action: s.action, before: await s.before, origin: s.origin, ...(s.moved ? { moved: s.moved } : {}) });
    const final = await last.fingerprint(null);
    return {
      screen: this.#desktop.info().screen,
      steps,
      final: { thumb: final.thumb },
      result: o.result.slice(0, 50_000),
      basedOn: o.basedOn,
      modelCalls: this.modelCalls,
      costUsd: this.costUsd,
      wallMs: Math.max(0, Math.round(o.wallMs)),
    };
  }
}
