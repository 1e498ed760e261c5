/**
 * A file task done with the screen only, and with the shell: the same
 * scripted goal on the real desktop (Xvfb + x11vnc + Chromium on the e2e
 * test app, our loop over RFB): total the amounts in invoices.csv and enter
 * the total in the form. Screen only, the agent opens the file in the
 * browser (ctrl+l, its path, Return), looks and zooms to read it, goes back
 * and fills the form. With shell+files, one command totals the file, and the
 * form is filled as before. Reported: actions, model calls and wall time,
 * with the scripted model answering at once (so the time is the desktop's
 * and the host's, not a model's).
 */
import Anthropic from "@anthropic-ai/sdk";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startScriptedAnthropic, text, toolsetCall, toolUse, type ScriptStep } from "../test-support/scripted-anthropic/index.ts";
import { createComputerUseRunner, hostToolbox } from "deskfleet-host/agent";
import { RecordingContext } from "deskfleet-host/testing";
import { RfbClient } from "@deskfleet/rfb/rfb-client";
import { connectTcp } from "@deskfleet/rfb/node-socket";
import { missingXTools, startXDesktop } from "@deskfleet/rfb/testing/x-desktop";
import { startChromiumOnDisplay } from "deskfleet-host/pool";
import { startTestApp, type TestApp } from "../e2e/support/test-app.ts";
import { machineLine, median, round, writeSection } from "./lib/results.ts";

const SCREEN = { width: 1280, height: 800 };
const PASSWORD = "bench-tools";
const MODEL = "claude-sonnet-4-6";
const FIELD = [290, 122];
const SUBMIT = [140, 210];
const ROUNDS = Number(process.env["BENCH_TOOLS_ROUNDS"] ?? 3);
const AMOUNTS = [120.5, 89.9, 1500, 42.25, 310, 77.7, 999.99, 15, 260.4, 58.06];
const TOTAL = round(AMOUNTS.reduce((a, b) => a + b, 0), 2).toFixed(2);
const PROMPT = "Total the amounts in invoices.csv and register the total in the form.";

type Variant = { name: string; tools: boolean; script: (csv: string) => ScriptStep[] };

const VARIANTS: Variant[] = [
  {
    name: "screen only",
    tools: false,
    script: (csv) => [
      toolsetCall("key", { text: "ctrl+l" }, { text: "I'll open the file in the browser to read it." }),
      toolsetCall("type", { text: `file://${csv}` }),
      toolsetCall("key", { text: "Return" }),
      toolsetCall("screenshot"),
      toolsetCall("zoom", { region: [0, 0, 640, 400] }, { text: "Reading the amounts closely." }),
      toolsetCall("key", { text: "alt+Left" }, { text: `They add up to ${TOTAL}. Back to the form.` }),
      toolsetCall("triple_click", { coordinate: FIELD }),
      toolsetCall("type", { text: TOTAL }),
      toolsetCall("left_click", { coordinate: SUBMIT }),
      toolsetCall("screenshot"),
      text(`Registered the total, ${TOTAL}.`),
    ],
  },
  {
    name: "shell + files",
    tools: true,
    script: (csv) => [
      toolUse("bash", { command: `awk -F, 'NR>1 {s+=$2} END {printf "%.2f\\n", s}' ${csv}` }, { text: "One command totals the file." }),
      (ctx) => toolsetCall("triple_click", { coordinate: FIELD }, { text: `The total is ${ctx.lastToolResult()?.text.trim()}.` }),
      (ctx) => toolsetCall("type", { text: /The total is ([\d.]+)\./.exec(JSON.stringify(ctx.body["messages"]))?.[1] ?? "?" }),
      toolsetCall("left_click", { coordinate: SUBMIT }),
      toolsetCall("screenshot"),
      text(`Registered the total, ${TOTAL}.`),
    ],
  },
];

type Run = { variant: string; actions: number; modelCalls: number; wallMs: number };

async function once(rfb: RfbClient, app: TestApp, v: Variant, i: number, dir: string, csv: string): Promise<Run> {
  const server = await startScriptedAnthropic({ script: v.script(csv) });
  try {
    const tools = v.tools ? hostToolbox({ allow: ["shell", "files"], toolsDir: join(dir, "tasks") }) : null;
    const runner = createComputerUseRunner({ client: new Anthropic({ baseURL: server.url, apiKey: "bench" }), desktop: { rfb }, model: MODEL, ...(tools ? { tools } : {}) });
    const ctx = new RecordingContext({ id: `tsk_benchtools${i.toString().padStart(4, "0")}`, prompt: PROMPT });
    const before = app.events.length;
    const started = performance.now();
    const outcome = await runner.run(ctx);
    const wallMs = performance.now() - started;
    server.assertNoRejections();
    const submitted = app.events.slice(before).find((e) => e.type === "submitted");
    if (outcome.status !== "completed" || submitted?.value !== TOTAL) {
      throw new Error(`${v.name}: the run did not register ${TOTAL} (outcome ${JSON.stringify(outcome)}, submitted ${submitted?.value ?? "nothing"})`);
    }
    return { variant: v.name, actions: ctx.of("action").length, modelCalls: server.requests.length, wallMs };
  } finally {
    await server.close();
  }
}

export async function run(): Promise<unknown> {
  const missing = missingXTools();
  if (missing.length) throw new Error(`the tools benchmark needs a real desktop: ${missing.join(", ")} (apt-get install -y xvfb x11vnc xdotool chromium)`);
  const dir = mkdtempSync(join(tmpdir(), "deskfleet-bench-tools-"));
  const csv = join(dir, "invoices.csv");
  writeFileSync(csv, `invoice,amount\n${AMOUNTS.map((a, i) => `INV-${1000 + i},${a}`).join("\n")}\n`);
  const app = await startTestApp();
  const desktop = await startXDesktop({ ...SCREEN, password: PASSWORD });
  const chromium = startChromiumOnDisplay(desktop.env, app.url, SCREEN);
  let rfb: RfbClient | null = null;
  try {
    await app.waitFor((e) => e.type === "ready", 30_000);
    await new Promise((r) => setTimeout(r, 1000));
    rfb = await RfbClient.connect(await connectTcp("127.0.0.1", desktop.port), { password: PASSWORD });
    const runs: Run[] = [];
    // Alternating, so a busy moment of the shared machine does not land on one variant only.
    for (let r = 0; r < ROUNDS; r++) for (const [k, v] of VARIANTS.entries()) runs.push(await once(rfb, app, v, r * 10 + k, dir, csv));

    const rows = VARIANTS.map((v) => {
      const mine = runs.filter((x) => x.variant === v.name);
      return { variant: v.name, actions: mine[0]!.actions, modelCalls: mine[0]!.modelCalls, wallMsMedian: round(median(mine.map((x) => x.wallMs)), 0), wallMsAll: mine.map((x) => round(x.wallMs, 0)) };
    });
    const [screen, shell] = rows as [typeof rows[number], typeof rows[number]];
    const ratio = round(shell.wallMsMedian / screen.wallMsMedian, 3);
    writeSection("tools: a file task, screen only vs shell + files", [
      `${machineLine()} Screen ${SCREEN.width}×${SCREEN.height} (Xvfb + x11vnc), Chromium on the e2e test app, our loop over RFB, model \`${MODEL}\` played by the scripted Messages API (answers at once). ${ROUNDS} runs of each, alternating.`,
      "",
      `Goal: "${PROMPT}" (${AMOUNTS.length} amounts, total ${TOTAL}). Screen only: open the file in the browser (ctrl+l, its \`file://\` path, Return), a screenshot, a zoom to read it, back (alt+Left), select the name field (triple click), type the total, submit, a screenshot. Shell + files (\`--allow shell,files\`): one \`awk\` command totals it, then the same select, type, submit and screenshot. Both runs are checked: the form really received ${TOTAL}.`,
      "",
      "| variant | actions | model calls | wall time (ms, median) | runs (ms) |",
      "|---|---|---|---|---|",
      ...rows.map((r) => `| ${r.variant} | ${r.actions} | ${r.modelCalls} | ${r.wallMsMedian} | ${r.wallMsAll.join(", ")} |`),
      "",
      `With the shell: ${shell.actions} actions instead of ${screen.actions}, ${shell.modelCalls} model calls instead of ${screen.modelCalls}, ${ratio}× the wall time. A real model takes seconds a call, so the saving in model calls is most of the saving in practice; the times here are only the desktop's (settling after each action) and the host's.`,
    ].join("\n"));
    return { rows, ratio };
  } finally {
    await rfb?.close();
    await chromium.stop();
    await desktop.stop();
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
