import Anthropic from "@anthropic-ai/sdk";
import { afterEach, describe, expect, it } from "vitest";
import type { ReplayableTrajectory, ReplayLookup, SaveTrajectoryBody } from "@deskfleet/protocol";
import { startScriptedAnthropic, text, toolsetCall, type ScriptStep } from "../../../test-support/scripted-anthropic/index.ts";
import { createComputerUseRunner } from "../agent/runner.ts";
import { createInMemoryDesktop, type InMemoryScreen } from "../agent/testing/in-memory-screen.ts";
import { RecordingContext } from "../agent/testing/recording-context.ts";
import type { TrajectoryStore } from "../task-runner.ts";

// The replay path end to end on the host: the real runner and RfbDesktop on an
// in-memory 1920x1080 screen (the model sees 1366x768), the scripted Messages
// API, and an in-memory trajectory store standing where the control plane is.

let server: Awaited<ReturnType<typeof startScriptedAnthropic>> | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const PROMPT = "Press the Go button, type hi and press Return.";
/** The Go button, in screen pixels, on a fresh screen; `dx` moves it. */
function freshScreen(dx = 0, withButton = true): ReturnType<typeof createInMemoryDesktop> {
  const made = createInMemoryDesktop();
  if (withButton) paintButton(made.screen, 600 + dx, 400);
  return made;
}
function paintButton(s: InMemoryScreen, x: number, y: number): void {
  s.paint(x, y, 160, 50, [30, 90, 160]);
  s.paint(x + 20, y + 15, 50, 20, [250, 250, 250]);
  s.paint(x + 90, y + 15, 50, 20, [250, 250, 200]);
}
// Near the button's centre (680, 425), in the model's 1366x768 pixels (679 on the screen).
const BUTTON_MODEL = [483, 302];

class MemoryStore implements TrajectoryStore {
  saved: SaveTrajectoryBody[] = [];
  lookups = 0;
  async lookup(): Promise<ReplayLookup> {
    this.lookups++;
    const last = this.saved.at(-1);
    if (!last) return { trajectory: null, reason: "none yet" };
    const t: ReplayableTrajectory = { id: `trj_test${this.saved.length}`, version: this.saved.length, screen: last.screen, steps: last.steps, final: last.final, result: last.result, modelCostUsd: this.saved[0]!.costUsd };
    return { trajectory: t, reason: "latest" };
  }
  async save(body: SaveTrajectoryBody): Promise<{ id: string; version: number }> {
    this.saved.push(body);
    return { id: `trj_test${this.saved.length}`, version: this.saved.length };
  }
}

class StoreContext extends RecordingContext {
  readonly trajectories: TrajectoryStore;
  constructor(trajectories: TrajectoryStore, id: string) {
    super({ id, prompt: PROMPT });
    this.trajectories = trajectories;
  }
}

async function setup(script: ScriptStep[]) {
  server = await startScriptedAnthropic({ conversations: [{ name: "go", match: "Press the Go button", steps: script }] });
  const client = new Anthropic({ baseURL: server.url, apiKey: "test-key" });
  const store = new MemoryStore();
  const run = async (made: ReturnType<typeof createInMemoryDesktop>, id: string) => {
    const runner = createComputerUseRunner({ client, desktop: made.desktop, model: "claude-sonnet-4-6", replay: { matchWithinMs: 400, searchAfterMs: 50, pollMs: 20 } });
    const ctx = new StoreContext(store, id);
    const outcome = await runner.run(ctx);
    return { ctx, outcome };
  };
  return { store, run };
}

const FIRST_RUN: ScriptStep[] = [
  toolsetCall("left_click", { coordinate: BUTTON_MODEL }),
  toolsetCall("type", { text: "hi" }),
  toolsetCall("key", { text: "Return" }),
  text("Pressed Go and sent hi."),
];

describe("replaying a recorded trajectory on the host", () => {
  it("records a completed run's actions in screen pixels with a thumbnail and a target crop before each", async () => {
    const { store, run } = await setup(FIRST_RUN);
    const { outcome } = await run(freshScreen(), "tsk_replay000001");
    expect(outcome).toEqual({ status: "completed", result: "Pressed Go and sent hi." });
    expect(store.saved).toHaveLength(1);
    const body = store.saved[0]!;
    expect(body.basedOn).toBeNull();
    expect(body.modelCalls).toBe(4);
    expect(body.steps.map((s) => [s.action.name, s.origin])).toEqual([["left_click", "model"], ["type", "model"], ["key", "model"]]);
    expect(body.steps[0]!.action.coordinate).toEqual([679, 425]);
    expect(body.steps[0]!.before.crop!.rect).toEqual({ x: 579, y: 375, width: 200, height: 100 });
    // The keyboard steps' crops are around the pointer, where the click left it.
    expect(body.steps[1]!.before.crop!.rect).toEqual(body.steps[0]!.before.crop!.rect);
    expect(body.steps[1]!.action.text).toBe("hi");
  });

  it("replays the next run with no model call, marking each action replayed, and saves no new version", async () => {
    const { store, run } = await setup(FIRST_RUN);
    const first = freshScreen();
    await run(first, "tsk_replay000002");
    const calls = server!.requests.length;
    const second = freshScreen();
    const { ctx, outcome } = await run(second, "tsk_replay000003");

    expect(outcome).toEqual({ status: "completed", result: "Pressed Go and sent hi." });
    expect(server!.requests.length).toBe(calls);
    expect(second.screen.presses()).toEqual(first.screen.presses());
    expect(second.screen.typedText()).toBe("hi\n");
    expect(ctx.of("action").map((a) => [a["name"], a["replay"]])).toEqual([["left_click", "replayed"], ["type", "replayed"], ["key", "replayed"]]);
    expect(ctx.of("replay")[0]).toMatchObject({ outcome: "replayed", stepsTotal: 3, stepsReplayed: 3, stepsMoved: 0, modelCalls: 0, mismatchStep: null, costUsd: 0 });
    expect(ctx.of("replay")[0]!["modelCostUsd"]).toBeGreaterThan(0);
    expect(store.saved).toHaveLength(1);
  });

  it("finds a button that moved 80 px, clicks it where it is now, and records the move as a new version", async () => {
    const { store, run } = await setup(FIRST_RUN);
    await run(freshScreen(), "tsk_replay000004");
    const calls = server!.requests.length;
    const moved = freshScreen(80);
    const { ctx, outcome } = await run(moved, "tsk_replay000005");

    expect(outcome.status).toBe("completed");
    expect(server!.requests.length).toBe(calls);
    expect(moved.screen.presses()[0]).toMatchObject({ x: 759, y: 425 });
    expect(ctx.of("action")[0]).toMatchObject({ name: "left_click", replay: "moved", moved: { dx: 80, dy: 0 } });
    expect(ctx.of("replay")[0]).toMatchObject({ outcome: "replayed", stepsMoved: 1, modelCalls: 0 });
    expect(store.saved).toHaveLength(2);
    expect(store.saved[1]!.steps[0]).toMatchObject({ origin: "moved", moved: { dx: 80, dy: 0 }, action: { coordinate: [759, 425] } });
  });

  it("hands over to the model at the first step whose screen does not match, without acting on it, and saves the repaired run", async () => {
    const { store, run } = await setup([
      ...FIRST_RUN,
      // The repair: the button is gone, so the model types where it can.
      (ctx) => (ctx.lastUserText().includes("no longer matches the recording at step 1") && ctx.imageCount() > 0
        ? toolsetCall("left_click", { coordinate: [100, 100] })
        : text("The hand-over did not say where the replay stopped.")),
      toolsetCall("type", { text: "hi" }),
      text("Typed hi without the button."),
    ]);
    await run(freshScreen(), "tsk_replay000006");
    const calls = server!.requests.length;
    const changed = freshScreen(0, false);
    const { ctx, outcome } = await run(changed, "tsk_replay000007");

    expect(outcome).toEqual({ status: "completed", result: "Typed hi without the button." });
    expect(server!.requests.length - calls).toBe(3);
    // Nothing was replayed: the first press is the model's.
    expect(changed.screen.presses()[0]).toMatchObject({ x: 141, y: 141 });
    expect(ctx.of("action").map((a) => a["replay"])).toEqual(["repaired", "repaired"]);
    expect(ctx.of("replay")[0]).toMatchObject({ outcome: "repaired", stepsReplayed: 0, modelSteps: 2, modelCalls: 3, mismatchStep: 1 });
    expect(String(ctx.of("replay")[0]!["mismatch"])).toContain("target");
    expect(store.saved).toHaveLength(2);
    expect(store.saved[1]!.basedOn).toBe("trj_test1");
    expect(store.saved[1]!.steps.map((s) => s.origin)).toEqual(["repaired", "repaired"]);
  });

  it("fails the replay when every step ran but the final screen differs, and lets the model decide", async () => {
    const { store, run } = await setup([...FIRST_RUN, (ctx) => text(ctx.lastUserText().includes("final screen does not match") ? "Checked: it is done." : "no hand-over")]);
    await run(freshScreen(), "tsk_replay000008");
    const made = freshScreen();
    // Something the recording never showed appears once the last step runs.
    const original = made.screen.key.bind(made.screen);
    made.screen.key = async (keysym, down) => {
      await original(keysym, down);
      if (keysym === 0xff0d && down) made.screen.paint(0, 0, 1920, 700, [10, 10, 10]);
    };
    const { ctx, outcome } = await run(made, "tsk_replay000009");
    expect(outcome).toEqual({ status: "completed", result: "Checked: it is done." });
    expect(ctx.of("replay")[0]).toMatchObject({ outcome: "repaired", stepsReplayed: 3, mismatchStep: null, modelCalls: 1 });
    expect(store.saved).toHaveLength(2);
  });
});
