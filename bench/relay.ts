/**
 * `npm run bench -- relay`: the live view through our relay (viewer → Worker →
 * DesktopDO → host tunnel → x11vnc, under `wrangler dev`) against websockify
 * (Debian's package) in front of the same x11vnc, in the same run.
 *
 * - throughput: MB/s of framebuffer updates a viewer receives while the screen
 *   repaints noise as fast as it can (incompressible: ZRLE sends it raw);
 * - latency: a pointer move to the framebuffer update it causes (x11vnc draws
 *   the cursor into the framebuffer for clients without cursor pseudo-encodings).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { RfbClient, carriesPixels } from "../desktop-host/src/rfb/rfb-client.ts";
import { missingXTools, startXDesktop, type XDesktop } from "../desktop-host/src/rfb/testing/x-desktop.ts";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../scripts/lib/local-control-plane.ts";
import { startTestControlPlane, type TestControlPlane } from "../test-support/control-plane.ts";
import { openWsRfbSocket, type WsRfbSocket } from "../test-support/ws-rfb-socket.ts";
import { machineLine, median, percentile, round, writeSection } from "./lib/results.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const WIDTH = 1280;
const HEIGHT = 800;
const PASSWORD = "benchpw1";
const THROUGHPUT_SECONDS = 8;
const LATENCY_SAMPLES = 40;
const ROUNDS = 2;

type Path = { name: "relay" | "websockify"; connect: () => Promise<{ client: RfbClient; socket: WsRfbSocket }> };
type Throughput = { mbPerSecond: number; updatesPerSecond: number };
type Latency = { medianMs: number; p90Ms: number; samples: number };

export async function run(): Promise<unknown> {
  const missing = [...missingXTools(), ...(spawnSync("sh", ["-c", "command -v websockify"]).status === 0 ? [] : ["websockify"])];
  if (missing.length) throw new Error(`the relay benchmark needs ${missing.join(", ")}: apt-get install -y xvfb x11vnc xdotool x11-xserver-utils websockify`);

  let desktop: XDesktop | null = null;
  let cp: TestControlPlane | null = null;
  let websockify: ChildProcess | null = null;
  let host: ChildProcess | null = null;
  const tunnels: { frames: number; bytes: number }[] = [];
  try {
    // x11vnc polls the screen; shorter waits keep its own delay from drowning the relay's.
    desktop = await startXDesktop({ width: WIDTH, height: HEIGHT, password: PASSWORD, setup: ({ run }) => void run("xsetroot", ["-solid", "#204060"]) });
    const wsPort = await freePort();
    websockify = spawn("websockify", [`127.0.0.1:${wsPort}`, `127.0.0.1:${desktop.port}`], { stdio: "ignore" });
    cp = await startTestControlPlane();
    await cp.api("POST", "/api/desktops", { id: "bench-relay" });
    const token = (await cp.api("POST", "/api/desktops/bench-relay/host-token")).json.token as string;
    host = spawn(process.execPath, [join(HERE, "lib", "relay-host.ts")], {
      env: { ...process.env, SERVER: cp.url, DESKTOP: "bench-relay", TOKEN: token, VNC_PORT: String(desktop.port), VNC_PASSWORD: PASSWORD },
      stdio: ["ignore", "pipe", "inherit"],
    });
    host.stdout?.on("data", (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n").filter(Boolean)) {
        const t = (JSON.parse(line) as { tunnel: { frames: number; bytes: number } }).tunnel;
        tunnels.push({ frames: Number(t.frames), bytes: Number(t.bytes) });
      }
    });
    const controlPlane = cp;
    await waitFor(async () => (await controlPlane.api("GET", "/api/desktops/bench-relay")).json.presence === "online", "the host to connect");
    // Viewers are view-only until someone takes over; the latency probe needs its pointer events to pass.
    const took = await controlPlane.api("POST", "/api/desktops/bench-relay/takeover");
    if (took.status !== 200) throw new Error("could not take over the bench desktop");

    const paths: Path[] = [
      {
        name: "websockify",
        connect: async () => {
          const socket = await openWsRfbSocket(`ws://127.0.0.1:${wsPort}/`);
          return { socket, client: await RfbClient.connect(socket, { password: PASSWORD }) };
        },
      },
      {
        name: "relay",
        connect: async () => {
          const t = (await controlPlane.api("POST", "/api/desktops/bench-relay/vnc-ticket")).json;
          const socket = await openWsRfbSocket(controlPlane.url.replace(/^http/, "ws") + t.url);
          return { socket, client: await RfbClient.connect(socket) };
        },
      },
    ];
    await waitFor(async () => paths[0]!.connect().then(async (c) => (await c.client.close(), true)).catch(() => false), "websockify");

    const throughput: Record<string, Throughput[]> = { relay: [], websockify: [] };
    const latency: Record<string, number[]> = { relay: [], websockify: [] };
    const tunnelRates: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const path of round % 2 === 0 ? paths : [...paths].reverse()) {
        const before = tunnels.length;
        // Latency first, on a still screen; then the busy screen.
        latency[path.name]!.push(...(await measureLatency(path)));
        throughput[path.name]!.push(await measureThroughput(path, desktop));
        if (process.env["BENCH_DEBUG"]) console.error(path.name, "throughput", throughput[path.name]!.at(-1), "latency", median(latency[path.name]!), "tunnels", tunnels.slice(before));
        if (path.name === "relay") {
          await waitFor(async () => tunnels.length >= before + 2, "tunnel stats");
          const t = tunnels[before + 1]!;
          tunnelRates.push(t.frames / THROUGHPUT_SECONDS);
        }
      }
    }

    const summary = (name: string) => {
      const t = throughput[name]!;
      const l = latency[name]!;
      return {
        throughputMBps: round(median(t.map((x) => x.mbPerSecond))),
        updatesPerSecond: round(median(t.map((x) => x.updatesPerSecond)), 1),
        latency: { medianMs: round(median(l)), p90Ms: round(percentile(l, 90)), samples: l.length } satisfies Latency,
      };
    };
    const relay = summary("relay");
    const ws = summary("websockify");
    const result = {
      screen: `${WIDTH}x${HEIGHT}`,
      relay: { ...relay, tunnelFramesPerSecond: round(median(tunnelRates), 1) },
      websockify: ws,
      ratios: {
        throughput: round(relay.throughputMBps / ws.throughputMBps, 3),
        addedMedianLatencyMs: round(relay.latency.medianMs - ws.latency.medianMs),
      },
      targets: { throughputRatio: 0.8, addedMedianLatencyMs: 5 },
    };
    writeSection(
      "relay: live view through the Durable Object vs websockify",
      [
        `${machineLine()} Screen ${WIDTH}×${HEIGHT} (Xvfb + x11vnc with its default polling), control plane under \`wrangler dev\` on the same machine; ${ROUNDS} rounds, ${THROUGHPUT_SECONDS} s of noise per throughput sample, ${LATENCY_SAMPLES} pointer round trips per latency sample.`,
        "",
        "| path | throughput (MB/s, median) | updates/s | pointer → update (ms, median) | p90 (ms) |",
        "|---|---|---|---|---|",
        `| relay (viewer → Worker → DesktopDO → host tunnel → x11vnc) | ${relay.throughputMBps} | ${relay.updatesPerSecond} | ${relay.latency.medianMs} | ${relay.latency.p90Ms} |`,
        `| websockify → x11vnc | ${ws.throughputMBps} | ${ws.updatesPerSecond} | ${ws.latency.medianMs} | ${ws.latency.p90Ms} |`,
        "",
        `Throughput ratio relay / websockify: **${result.ratios.throughput}** (target ≥ 0.8). Added median latency: **${result.ratios.addedMedianLatencyMs} ms** (target ≤ 5 ms).`,
        `The host coalesced the busy stream into ${result.relay.tunnelFramesPerSecond} tunnel frames/s into the DesktopDO (it sends at once when idle, batches only behind a send in flight, at most one frame per 2 ms, 256 KiB a frame).`,
      ].join("\n"),
    );
    return result;
  } finally {
    host?.kill("SIGTERM");
    websockify?.kill("SIGTERM");
    await cp?.dispose().catch(() => undefined);
    await desktop?.stop();
  }
}

/** Noise over the whole screen, repainted as fast as the X server takes it, while the viewer keeps asking for updates. */
async function measureThroughput(path: Path, desktop: XDesktop): Promise<Throughput> {
  const { client, socket } = await path.connect();
  const painter = spawn(process.execPath, [join(HERE, "lib", "noise-painter.ts"), String(desktop.display), String(WIDTH), String(HEIGHT)], { stdio: "ignore" });
  try {
    await new Promise((r) => setTimeout(r, 1000)); // warm up
    let updates = 0;
    const off = client.on("update", (u) => void (u.rects.some(carriesPixels) && updates++));
    const start = socket.received();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, THROUGHPUT_SECONDS * 1000));
    const seconds = (performance.now() - t0) / 1000;
    off();
    return { mbPerSecond: (socket.received() - start) / seconds / 1e6, updatesPerSecond: updates / seconds };
  } finally {
    await new Promise<void>((done) => {
      painter.once("exit", () => done());
      painter.kill("SIGTERM");
    });
    await client.close();
    await new Promise((r) => setTimeout(r, 1500)); // let the relay drain before the next measurement
    desktop.run("xsetroot", ["-solid", "#204060"]);
  }
}

/** Pointer moves on a still screen, each timed to the first update with pixels that follows. */
async function measureLatency(path: Path): Promise<number[]> {
  const { client, socket } = await path.connect();
  try {
    await new Promise((r) => setTimeout(r, 500));
    // Start from a spot no sample uses: a move to where the cursor already is changes nothing.
    await client.pointer(20, 20);
    await new Promise((r) => setTimeout(r, 300));
    const out: number[] = [];
    for (let i = 0; i < LATENCY_SAMPLES + 3; i++) {
      const x = 200 + (i % 2) * 400;
      const y = 200 + (i % 3) * 150;
      const next = client.waitForUpdate({ timeoutMs: 5000 });
      const t0 = performance.now();
      await client.pointer(x, y);
      await next.catch((e: unknown) => {
        throw new Error(`${path.name}: no update after pointer move ${i} to ${x},${y} (${socket.received()} bytes received): ${String(e)}`);
      });
      if (i >= 3) out.push(performance.now() - t0); // the first few warm the path up
      await new Promise((r) => setTimeout(r, 60));
    }
    return out;
  } finally {
    await client.close();
  }
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
