/**
 * How many 1280×800 Chromium desktops this machine holds while a task runs
 * on each: `deskfleet-host pool --count N` for N in 1, 2, 4 (BENCH_POOL_COUNTS),
 * a task on every desktop driven by the scripted model (one action a turn,
 * BENCH_POOL_TURN_MS between turns as a real model's latency stands in), and,
 * while they work, each desktop's memory (PSS of its X server, window
 * manager, VNC server, Chromium and host, as the pool measures it) and the
 * host benchmark (bench/host.ts, BENCH_ROUNDS rounds) run beside them. The
 * benchmark also runs with no pool first, in the same run: the ratios are
 * read against that, since the machine is shared with other work.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../scripts/lib/local-control-plane.ts";
import { startTestControlPlane, type TestControlPlane } from "../test-support/control-plane.ts";
import { startScriptedAnthropic, text, toolsetCall, type ConversationScript, type ScriptStep } from "../test-support/scripted-anthropic/index.ts";
import { serveTestPage } from "./lib/test-page.ts";
import { machineLine, median, round, writeSection } from "./lib/results.ts";

const COUNTS = (process.env["BENCH_POOL_COUNTS"] ?? "1,2,4").split(",").map(Number);
const TURN_MS = Number(process.env["BENCH_POOL_TURN_MS"] ?? 1500);
const HOST_BIN = join(ROOT, "desktop-host", "bin", "deskfleet-host.ts");
const API_KEY = "sk-ant-bench-pool-000000";
const POOL = "pb";
const MAX = Math.max(...COUNTS);

type Status = { desktops: { id: string; running: boolean; resources: { memoryBytes: number; cpuPercent: number } | null }[] };

const memAvailable = () => Number(/MemAvailable:\s+(\d+) kB/.exec(readFileSync("/proc/meminfo", "utf8"))![1]) * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function run(): Promise<unknown> {
  process.env["BENCH_ROUNDS"] ??= "3";
  const host = await import("./host.ts");
  let working = false;
  // Each desktop's task: a click, typing, a scroll and a screenshot, over and over while `working`.
  const steps = (id: string): ScriptStep[] =>
    Array.from({ length: 2000 }, (_, n) => async () => {
      if (!working) return text(`Stopped on ${id}.`);
      await sleep(TURN_MS);
      switch (n % 4) {
        case 0: return toolsetCall("left_click", { coordinate: [200 + (n % 40), 122] });
        case 1: return toolsetCall("type", { text: `w${n} ` });
        case 2: return toolsetCall("scroll", { coordinate: [640, 400], scroll_direction: n % 8 === 2 ? "down" : "up", scroll_amount: 3 });
        default: return toolsetCall("screenshot");
      }
    });
  const ids = Array.from({ length: MAX }, (_, i) => `${POOL}-${i + 1}`);
  const conversations: ConversationScript[] = ids.map((id) => ({ name: id, match: `Keep working on ${id}`, steps: steps(id) }));
  const anthropic = await startScriptedAnthropic({ conversations, apiKeys: [API_KEY] });
  let cp: TestControlPlane | undefined;
  let pool: ChildProcess | undefined;
  const home = mkdtempSync(join(tmpdir(), "dfb-"));
  const page = await serveTestPage();
  try {
    cp = await startTestControlPlane({ ANTHROPIC_BASE_URL: anthropic.url });
    const env = { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "/root", DESKFLEET_HOME: home, DESKFLEET_SERVER: cp.url, DESKFLEET_API_TOKEN: cp.adminToken, DESKFLEET_POOL_NAME: POOL, ANTHROPIC_API_KEY: API_KEY, ANTHROPIC_BASE_URL: anthropic.url };
    const status = (): Status => JSON.parse(spawnSync(process.execPath, [HOST_BIN, "pool", "--json"], { env, encoding: "utf8" }).stdout) as Status;
    const presence = async (id: string) => (await cp!.api("GET", `/api/desktops/${id}`)).json?.presence as string;

    const baselineAvailable = memAvailable();
    const baseline = await host.run({ writeResults: false });
    const rows: { count: number; ratio: number; memoryPerDesktopMb: number; cpuPerDesktopPercent: number; availableMb: number; actionsPerDesktopPerMin: number }[] = [];
    for (const count of COUNTS) {
      if (!pool) {
        pool = spawn(process.execPath, [HOST_BIN, "pool", "--count", String(count), "--url", page.url, "--kiosk"], { env, stdio: "ignore" });
      } else {
        spawnSync(process.execPath, [HOST_BIN, "pool", "--count", String(count)], { env, encoding: "utf8", timeout: 240_000 });
      }
      const active = ids.slice(0, count);
      for (const id of active) {
        const deadline = Date.now() + 180_000;
        while ((await presence(id)) !== "online") {
          if (Date.now() > deadline) throw new Error(`${id} did not come online`);
          await sleep(500);
        }
      }
      working = true;
      const tasks = await Promise.all(active.map(async (id) => {
        const created = await cp!.api("POST", "/api/tasks", { prompt: `Keep working on ${id}.`, desktopId: id, maxSteps: 2000 });
        if (created.status !== 201) throw new Error(`creating the task on ${id} failed: ${JSON.stringify(created.json)}`);
        return created.json.id as string;
      }));
      await sleep(15_000); // every task past its first turns, Chromium's first paint and the pool's first samples
      const stepsBefore = await Promise.all(tasks.map(async (t) => (await cp!.api("GET", `/api/tasks/${t}`)).json.steps as number));
      const startedAt = Date.now();
      // Memory and CPU every 5 s while the host benchmark runs beside the tasks.
      const samples: { memory: number; cpu: number }[] = [];
      const sampler = setInterval(() => {
        for (const d of status().desktops) if (d.resources) samples.push({ memory: d.resources.memoryBytes, cpu: d.resources.cpuPercent });
      }, 5_000);
      const availableDuring = memAvailable();
      const loaded = await host.run({ writeResults: false }).finally(() => clearInterval(sampler));
      const minutes = (Date.now() - startedAt) / 60_000;
      const stepsAfter = await Promise.all(tasks.map(async (t) => (await cp!.api("GET", `/api/tasks/${t}`)).json.steps as number));
      working = false;
      for (const t of tasks) {
        const deadline = Date.now() + 60_000;
        while (!["completed", "failed", "cancelled"].includes((await cp!.api("GET", `/api/tasks/${t}`)).json.status) && Date.now() < deadline) await sleep(500);
      }
      const running = (await Promise.all(tasks.map(async (t) => (await cp!.api("GET", `/api/tasks/${t}`)).json.status as string))).filter((s) => s !== "completed");
      if (running.length) throw new Error(`tasks ended ${running.join(", ")} instead of completed`);
      rows.push({
        count,
        ratio: loaded.ratio,
        memoryPerDesktopMb: round(median(samples.map((s) => s.memory)) / 1e6, 0),
        cpuPerDesktopPercent: round(median(samples.map((s) => s.cpu)), 0),
        availableMb: round(availableDuring / 1e6, 0),
        actionsPerDesktopPerMin: round(median(stepsAfter.map((s, i) => s - stepsBefore[i]!)) / minutes, 1),
      });
    }
    const result = { baselineRatio: baseline.ratio, baselineAvailableMb: round(baselineAvailable / 1e6, 0), turnMs: TURN_MS, rounds: Number(process.env["BENCH_ROUNDS"]), rows };
    writeSection(
      "pool: desktops on one machine",
      [
        `${machineLine()} Desktops of \`deskfleet-host pool\`: 1280×800 Xvfb, openbox, x11vnc, Chromium on a local page, and a host each; on every desktop a task driven by the scripted model, one action a turn (click, type, scroll, screenshot) with ${TURN_MS} ms for the model's turn. Beside them the host benchmark (its own 1920×1080 desktop, ${result.rounds} rounds), first with no pool, then with each pool size, in one run. The machine is shared with other engineers' test runs: read the ratios against the one without a pool, not against other runs.`,
        "",
        "| desktops | memory per desktop (PSS, median) | CPU per desktop (% of one core, median) | memory available (MB) | actions per desktop per minute | host benchmark ratio (ours / demo) |",
        "|---|---|---|---|---|---|",
        `| 0 | – | – | ${result.baselineAvailableMb} | – | ${result.baselineRatio} |`,
        ...rows.map((r) => `| ${r.count} | ${r.memoryPerDesktopMb} MB | ${r.cpuPerDesktopPercent} | ${r.availableMb} | ${r.actionsPerDesktopPerMin} | ${r.ratio} |`),
        "",
        ...rows.slice(-1).map((r) => `With ${r.count} desktops the machine's available memory fell ${round(result.baselineAvailableMb - r.availableMb, 0)} MB from none (${round((result.baselineAvailableMb - r.availableMb) / r.count, 0)} MB a desktop; PSS counts pages shared between the Chromiums once, so it falls per desktop as the pool grows). At these figures memory would hold about ${Math.floor(result.baselineAvailableMb / r.memoryPerDesktopMb)} desktops and CPU about ${Math.floor((cpus().length * 100) / Math.max(1, r.cpuPerDesktopPercent))} (${cpus().length} cores ÷ CPU per desktop) before the screen settling the agent waits on slows; only the sizes in the table were run.`),
      ].join("\n"),
    );
    return result;
  } finally {
    if (pool && pool.exitCode === null) {
      pool.kill("SIGTERM");
      await new Promise((r) => pool!.once("exit", r));
    }
    await cp?.dispose();
    await anthropic.close();
    await page.close();
    rmSync(home, { recursive: true, force: true });
  }
}
