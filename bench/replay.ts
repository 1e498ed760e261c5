/**
 * Replay without the model, on the real desktop (Xvfb + x11vnc + Chromium,
 * our host's runner over RFB): a 20-step two-page form. The first run is the
 * model's (the scripted Messages API), recorded; the second replays it; then
 * 20 replays of the unchanged page count false mismatches; then the page
 * changes (the Next button moved 80 px, a field's label renamed) and a run
 * repairs from the changed step; the run after that replays the repaired
 * version. Model calls, billed input tokens and wall time per run, with the
 * model's time counted as a fixed 3 s per call for every run (the scripted
 * model answers in milliseconds; that is added to the measured time).
 * Trajectories are kept in memory here, as the control plane would keep them.
 */
import Anthropic from "@anthropic-ai/sdk";
import { startScriptedAnthropic, type ScriptStep } from "../test-support/scripted-anthropic/index.ts";
import { createComputerUseRunner, sessionCost } from "deskfleet-host/agent";
import { RecordingContext } from "deskfleet-host/testing";
import { MemoryTrajectoryStore, type TrajectoryStore } from "deskfleet-host/replay";
import { RfbClient } from "@deskfleet/rfb/rfb-client";
import { connectTcp } from "@deskfleet/rfb/node-socket";
import { missingXTools, startXDesktop } from "@deskfleet/rfb/testing/x-desktop";
import { startChromiumOnDisplay } from "deskfleet-host/pool";
import { expectedValues, FORM_PROMPT, formScript, RENAMED_STEP, startFormPage, type FormPage, type FormVariant } from "./lib/form-page.ts";
import { machineLine, round, writeSection } from "./lib/results.ts";

const SCREEN = { width: 1280, height: 800 };
const PASSWORD = "bench-replay";
const MODEL = "claude-sonnet-4-6";
const MODEL_MS_PER_CALL = 3000;
const REPLAYS = Math.max(1, Number(process.env["BENCH_REPLAYS"] ?? 20));
const UNCHANGED: FormVariant = { moved: false, renamed: false };
const CHANGED: FormVariant = { moved: true, renamed: true };

class StoreContext extends RecordingContext {
  readonly trajectories: TrajectoryStore;
  constructor(trajectories: TrajectoryStore, id: string) {
    super({ id, prompt: FORM_PROMPT });
    this.trajectories = trajectories;
  }
}

type Run = {
  label: string;
  outcome: string;
  submittedRight: boolean;
  modelCalls: number;
  billedInput: number;
  costUsd: number;
  measuredMs: number;
  /** Measured, plus 3 s per model call. */
  wallMs: number;
  replay: Record<string, unknown> | null;
};

let runs = 0;

/** One run on a fresh form, with its own scripted model (so a call nobody expected fails the run instead of eating another run's script). */
async function oneRun(rfb: RfbClient, page: FormPage, store: TrajectoryStore, variant: FormVariant, label: string, script: ScriptStep[]): Promise<Run> {
  await page.reset(variant);
  const server = await startScriptedAnthropic({ conversations: [{ name: "form", match: "File this week's form", steps: script }] });
  try {
    const runner = createComputerUseRunner({ client: new Anthropic({ baseURL: server.url, apiKey: "bench", maxRetries: 0 }), desktop: { rfb }, model: MODEL });
    const ctx = new StoreContext(store, `tsk_benchreplay${String(++runs).padStart(4, "0")}`);
    const gen = page.events.filter((e) => e.type === "ready").at(-1)?.gen;
    const t0 = performance.now();
    const outcome = await runner.run(ctx);
    const measuredMs = performance.now() - t0;
    server.assertNoRejections();
    const requests = [...server.requests];
    const cost = sessionCost(requests.map((r) => r.usage!), MODEL);
    const submitted = page.events.find((e) => e.type === "submitted" && e.gen === gen);
    return {
      label,
      outcome: outcome.status === "completed" ? "completed" : `failed: ${outcome.error.message}`,
      submittedRight: JSON.stringify(submitted?.values) === JSON.stringify(expectedValues()),
      modelCalls: requests.length,
      billedInput: Math.round(cost.billedInputEquivalent),
      costUsd: round(cost.costUsd, 4),
      measuredMs: Math.round(measuredMs),
      wallMs: Math.round(measuredMs + requests.length * MODEL_MS_PER_CALL),
      replay: ctx.of("replay")[0] ?? null,
    };
  } finally {
    await server.close();
  }
}

export async function run(): Promise<unknown> {
  const missing = missingXTools();
  if (missing.length) throw new Error(`the replay benchmark needs a real desktop: ${missing.join(", ")} (apt-get install -y xvfb x11vnc xdotool chromium)`);
  const page = await startFormPage();
  const desktop = await startXDesktop({ ...SCREEN, password: PASSWORD });
  const chromium = startChromiumOnDisplay(desktop.env, page.url, SCREEN);
  let rfb: RfbClient | null = null;
  try {
    await page.waitFor((e) => e.type === "ready", 30_000);
    rfb = await RfbClient.connect(await connectTcp("127.0.0.1", desktop.port), { password: PASSWORD });
    const store = new MemoryTrajectoryStore();

    const first = await oneRun(rfb, page, store, UNCHANGED, "first run (model, recorded)", formScript(1));
    const replays: Run[] = [];
    for (let i = 0; i < REPLAYS; i++) replays.push(await oneRun(rfb, page, store, UNCHANGED, i === 0 ? "second run (replay)" : `replay ${i + 1}`, []));
    const changed = await oneRun(rfb, page, store, CHANGED, "page changed: Next moved 80 px, a label renamed (repair)", formScript(RENAMED_STEP, CHANGED));
    const after = await oneRun(rfb, page, store, CHANGED, "the run after the repair (replay)", []);

    const falseMismatches = replays.filter((r) => r.replay?.["outcome"] !== "replayed" || !r.submittedRight).length;
    const rows = [first, replays[0]!, changed, after];
    const describe = (r: Run) => {
      const rp = r.replay as { stepsReplayed?: number; stepsMoved?: number; modelSteps?: number; mismatchStep?: number | null } | null;
      return rp ? `${rp.stepsReplayed} replayed (${rp.stepsMoved} moved), ${rp.modelSteps} by the model${rp.mismatchStep ? ` from step ${rp.mismatchStep}` : ""}` : "all by the model";
    };
    const table = [
      "| run | outcome | form submitted right | steps | model calls | billed input tokens | $ | wall time (3 s per model call) | measured without model time | ÷ first run's wall time |",
      "|---|---|---|---|---|---|---|---|---|---|",
      ...rows.map((r) => `| ${r.label} | ${r.outcome} | ${r.submittedRight ? "yes" : "**no**"} | ${describe(r)} | ${r.modelCalls} | ${r.billedInput} | ${r.costUsd} | ${round(r.wallMs / 1000, 1)} s | ${round(r.measuredMs / 1000, 1)} s | ${round(r.wallMs / first.wallMs, 3)} |`),
    ].join("\n");
    const replayMs = replays.map((r) => r.measuredMs).sort((a, b) => a - b);
    const ratio = round(replays[0]!.wallMs / first.wallMs, 3);
    writeSection("replay", [
      `A 20-step two-page form (4 fields and Next, then 5 fields and Submit) on the real desktop at 1280×800 (Xvfb + x11vnc + Chromium; our host's runner over RFB), model \`${MODEL}\` played by the scripted Messages API. **The model's time is counted as a fixed 3 s per call in every run** (the scripted model answers in milliseconds; 3 s × calls is added to the measured time). Billed input = uncached + 1.25 × cache writes + read price × cache reads, in base-input tokens. Trajectories are kept in memory by the benchmark, as the control plane keeps them (R2 + D1 in production). Each run starts on a fresh form; a run with no model calls has a scripted model that fails any call, so a false mismatch shows.`,
      "",
      table,
      "",
      `Replay ÷ first run, wall time: **${ratio}** (target ≤ 0.3). The changed page: Next (step 9) was found 80 px away and clicked there without the model; the renamed label made step ${RENAMED_STEP} a mismatch, so the model was called from step ${RENAMED_STEP} on (${changed.modelCalls} calls: ${20 - RENAMED_STEP + 1} actions and the answer) and its run became the new version, which the next run replayed with ${after.modelCalls} calls.`,
      "",
      `False mismatches over ${REPLAYS} replays of the unchanged page: **${falseMismatches}** (target 0). Replay time without the model: median ${round(replayMs[Math.floor(replayMs.length / 2)]! / 1000, 1)} s, slowest ${round(replayMs.at(-1)! / 1000, 1)} s.`,
      "",
      machineLine(),
    ].join("\n"));
    return { first, replays: replays.map((r) => ({ outcome: r.replay?.["outcome"], measuredMs: r.measuredMs, submittedRight: r.submittedRight })), changed, after, falseMismatches, ratio };
  } finally {
    await rfb?.close();
    await chromium.stop();
    await desktop.stop();
    await page.close();
  }
}
