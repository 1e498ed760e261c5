import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TaskEvent } from "@deskfleet/protocol";
import { firstUserText, text, toolUse, toolsetCall } from "../test-support/scripted-anthropic/index.ts";
import { API_KEY, e2ePrerequisitesMissing, startWorld, VNC_PASSWORD, waitUntil, type World } from "./support/world.ts";
import { hostProcess, type HostProcess } from "./support/host-process.ts";
import { startTcpCutter, type TcpCutter } from "./support/tcp-cutter.ts";
import { NAME_FIELD, PacedTask, SUBMIT } from "./support/paced-task.ts";
import { historyProblems, storedEvents } from "../bench/lib/stored-events.ts";
import { watchTask } from "../bench/lib/task-watcher.ts";
import { watchFleet } from "../bench/lib/fleet-watcher.ts";

/**
 * Faults a real deployment meets, on the real Worker, host and desktop: a
 * flaky link, a crashed host, a control plane restart. What a user would
 * notice is asserted: the task's outcome, its stored history, what the page
 * saw, and what a dashboard watching it received.
 */

const missing = e2ePrerequisitesMissing();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Cp = World["cp"];

async function createTask(cp: Cp, prompt: string, desktopId: string): Promise<string> {
  const res = await cp.api("POST", "/api/tasks", { prompt, desktopId, maxSteps: 1000 });
  if (res.status !== 201) throw new Error(`creating the task failed: ${JSON.stringify(res.json)}`);
  return res.json.id as string;
}

async function task(cp: Cp, id: string) {
  return (await cp.api("GET", `/api/tasks/${id}`)).json;
}

async function finished(world: World, id: string, timeoutMs: number, host: HostProcess = world.host) {
  await waitUntil(async () => ["completed", "failed", "cancelled"].includes((await task(world.cp, id)).status), timeoutMs, () => `task ${id} did not finish; host logs:\n${host.logs().slice(-3000)}`);
  return task(world.cp, id);
}

const actions = (events: TaskEvent[]) => events.flatMap((e) => (e.kind === "action" ? [{ name: e.data.name, input: e.data.input }] : []));
const lastSubmitted = (world: World, since: number) => world.app.events.filter((e) => e.type === "submitted" && e.at >= since).at(-1)?.value;

describe.skipIf(missing !== null)("a flaky link and a control plane restart", () => {
  const CUTS = 20;
  let cutsDone = 0;
  let restartSettled = false;
  const cuts = new PacedTask("[cuts]", { enough: () => cutsDone >= CUTS });
  const restart = new PacedTask("[restart]", { enough: () => restartSettled });
  let world: World;
  let link: TcpCutter;
  let host: HostProcess;

  beforeAll(async () => {
    if (missing) return;
    world = await startWorld({ conversations: [cuts.conversation(), restart.conversation()] });
    // The world's host talks to the Worker directly; this one goes through a link the test can cut.
    await world.host.stop();
    link = await startTcpCutter({ port: world.cp.port });
    host = hostProcess(
      { DESKFLEET_HOST_TOKEN: world.hostToken, DESKFLEET_VNC_PASSWORD: VNC_PASSWORD, ANTHROPIC_API_KEY: API_KEY, ANTHROPIC_BASE_URL: world.anthropic.url },
      ["--server", link.url, "--desktop", world.desktopId, "--vnc", `127.0.0.1:${world.desktop.port}`],
    );
    await waitUntil(async () => link.open("/api/hosts/connect").length > 0 && (await world.cp.api("GET", `/api/desktops/${world.desktopId}`)).json.presence === "online", 30_000, () => `the host did not come online through the link:\n${host.logs().slice(-3000)}`);
  }, 180_000);

  afterAll(async () => {
    await host?.stop();
    await link?.close();
    await world?.dispose();
  });

  it("completes a task whose host link is cut 20 times, with every event stored once and in order", async () => {
    const { cp } = world;
    const startedAt = Date.now();
    const id = await createTask(cp, cuts.prompt, world.desktopId);
    let seen = 0;
    for (let n = 0; n < CUTS; n++) {
      // Each cut hits a fresh control connection that has delivered events since the last one.
      await waitUntil(async () => {
        if (link.open("/api/hosts/connect").length === 0) return false;
        const items = (await cp.api("GET", `/api/tasks/${id}/events?after=${seen}&limit=1000`)).json.items as TaskEvent[];
        if (items.length === 0) return false;
        seen = items.at(-1)!.seq;
        return true;
      }, 60_000, () => `no events arrived after cut ${n}; host logs:\n${host.logs().slice(-3000)}`);
      if (n % 4 === 0) {
        // The host's backoff starts over after 10 s of a healthy link; without that, 20 quick cuts would wait out 30 s ceilings.
        await waitUntil(async () => link.open("/api/hosts/connect").some((c) => Date.now() - c.openedAt > 11_000), 30_000, () => "the link never stayed up 11 s");
      } else {
        await sleep(100 + Math.random() * 400);
      }
      expect(link.cut()).toBeGreaterThan(0);
      cutsDone++;
    }

    const t = await finished(world, id, 120_000, host);
    expect(t.error).toBeNull();
    expect(t.status).toBe("completed");
    expect(t.result).toBe(cuts.result);

    // Exactly what the model did, each event once, in order, nothing missing.
    const events = await storedEvents(cp.api, id);
    expect(historyProblems(events)).toEqual([]);
    expect(actions(events)).toEqual(cuts.calls);
    expect(events.filter((e) => e.kind === "completed")).toHaveLength(1);
    // And the page got every keystroke: the submitted value is every word typed.
    await waitUntil(async () => lastSubmitted(world, startedAt) !== undefined, 10_000, () => "the form was never submitted");
    expect(lastSubmitted(world, startedAt)).toBe(cuts.value);
    expect(cuts.typed.length).toBeGreaterThan(CUTS);
    expect(host.logs().split("control connection lost; reconnecting").length - 1).toBeGreaterThanOrEqual(CUTS);
    world.anthropic.assertNoRejections();
  }, 300_000);

  it("carries a task through a control plane restart: the host and the viewers reconnect and no event is lost", async () => {
    const { cp } = world;
    const startedAt = Date.now();
    const fleet = watchFleet(cp.url, cp.adminToken);
    const id = await createTask(cp, restart.prompt, world.desktopId);
    const viewer = watchTask(cp.url, cp.adminToken, id);
    try {
      let before = 0;
      await waitUntil(async () => (before = actions(await storedEvents(cp.api, id)).length) >= 6, 60_000, () => `the task did not get going:\n${host.logs().slice(-3000)}`);
      const lastHostSeq = Math.max(...(await storedEvents(cp.api, id)).map((e) => e.hostSeq ?? 0));

      await cp.restart();
      // The task goes on: new host events are stored after the restart, then the model is let finish.
      await waitUntil(async () => (await storedEvents(cp.api, id)).some((e) => (e.hostSeq ?? 0) > lastHostSeq + 3), 90_000, () => `no events after the restart:\n${host.logs().slice(-3000)}`);
      restartSettled = true;

      const t = await finished(world, id, 120_000, host);
      expect(t.error).toBeNull();
      expect(t.status).toBe("completed");
      expect(t.result).toBe(restart.result);
      expect(before).toBeGreaterThanOrEqual(6);

      const events = await storedEvents(cp.api, id);
      expect(historyProblems(events)).toEqual([]);
      expect(actions(events)).toEqual(restart.calls);

      // The viewer reconnected and saw every stored event exactly once, in order.
      await Promise.race([viewer.finished, sleep(15_000)]);
      expect(viewer.reconnects).toBeGreaterThanOrEqual(1);
      expect(viewer.events.map((e) => e.seq)).toEqual(events.map((e) => e.seq));
      // The fleet feed came back too and shows the task's end.
      await waitUntil(async () => fleet.status(id) === "completed", 15_000, () => `the fleet feed shows ${fleet.status(id)}`);
      expect(fleet.reconnects).toBeGreaterThanOrEqual(1);

      await waitUntil(async () => lastSubmitted(world, startedAt) !== undefined, 10_000, () => "the form was never submitted");
      expect(lastSubmitted(world, startedAt)).toBe(restart.value);
      expect((await cp.api("GET", `/api/desktops/${world.desktopId}`)).json.presence).toBe("online");
      world.anthropic.assertNoRejections();
    } finally {
      viewer.stop();
      fleet.stop();
    }
  }, 300_000);
});

describe.skipIf(missing !== null)("a host killed mid-task", () => {
  let killed = false;
  const original = new PacedTask("[crash]", { enough: () => killed });
  const RETRY_PROMPT = "[crash-retry] Type Healed into the name field and submit the form.";
  let world: World;

  beforeAll(async () => {
    if (missing) return;
    world = await startWorld({
      // A host silent for 15 s is lost (the heartbeat comes every 10 s); the supervisor heals through the same scripted API.
      vars: { HEARTBEAT_TIMEOUT_MS: "15000", ANTHROPIC_API_KEY: API_KEY },
      conversations: [
        original.conversation(),
        {
          name: "healer",
          match: (b) => /^Task \S+ failed \(retry/.test(firstUserText(b)),
          steps: [
            (ctx) =>
              ctx.lastUserText().includes("host_lost")
                ? toolUse("retry_task", { prompt: RETRY_PROMPT, reason: "the desktop's host was lost mid-task; the task itself was fine" })
                : text(`the brief did not say host_lost: ${ctx.lastUserText().slice(0, 300)}`),
            text("Retried the task on the same desktop."),
          ],
        },
        {
          name: "retry",
          match: (b) => firstUserText(b).startsWith("[crash-retry]"),
          steps: [
            toolsetCall("left_click", { coordinate: [...NAME_FIELD] }),
            toolsetCall("key", { text: "ctrl+a" }),
            toolsetCall("type", { text: "Healed" }),
            toolsetCall("left_click", { coordinate: [...SUBMIT] }),
            text("Submitted Healed."),
          ],
        },
      ],
    });
  }, 180_000);

  afterAll(async () => {
    await world?.dispose();
  });

  it("fails the task with host_lost, heals it with a retry once the host is back, and leaves the desktop usable", async () => {
    const { cp } = world;
    const id = await createTask(cp, original.prompt, world.desktopId);
    await waitUntil(async () => actions(await storedEvents(cp.api, id)).length >= 4, 60_000, () => `the task did not get going:\n${world.host.logs().slice(-3000)}`);
    await world.host.kill();
    killed = true;

    // No heartbeat for 15 s: the task fails with host_lost, and what was stored is whole.
    const t = await finished(world, id, 60_000);
    expect(t.status).toBe("failed");
    expect(t.error.code).toBe("host_lost");
    expect(historyProblems(await storedEvents(cp.api, id))).toEqual([]);
    expect((await cp.api("GET", `/api/desktops/${world.desktopId}`)).json.presence).toBe("offline");

    // Self-healing: a healer retries it; the retry waits in the queue for the desktop.
    let chain: { source: string; status: string; id: string; result: string | null }[] = [];
    await waitUntil(async () => {
      chain = (await cp.api("GET", `/api/tasks/${id}/chain`)).json.items;
      return chain.length === 3 && chain[1]!.status === "completed";
    }, 60_000, () => `the chain is ${JSON.stringify(chain.map((c) => [c.source, c.status]))}`);
    expect(chain.map((c) => [c.source, c.status])).toEqual([["api", "failed"], ["healer", "completed"], ["api", "queued"]]);

    const startedAgainAt = Date.now();
    world.host.start();
    const retry = await finished(world, chain[2]!.id, 90_000);
    expect(retry.status).toBe("completed");
    expect(retry.result).toBe("Submitted Healed.");
    await waitUntil(async () => lastSubmitted(world, startedAgainAt) !== undefined, 10_000, () => "the retry never submitted the form");
    expect(lastSubmitted(world, startedAgainAt)).toBe("Healed");

    // Nothing hangs: every task of the chain has ended and the desktop is free for the next one.
    chain = (await cp.api("GET", `/api/tasks/${id}/chain`)).json.items;
    expect(chain.map((c) => c.status)).toEqual(["failed", "completed", "completed"]);
    const desk = (await cp.api("GET", `/api/desktops/${world.desktopId}`)).json;
    expect(desk.presence).toBe("online");
    expect(desk.currentTaskId ?? null).toBeNull();
    world.anthropic.assertNoRejections();
  }, 300_000);
});
