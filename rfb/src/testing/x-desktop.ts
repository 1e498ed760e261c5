import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";

// Starts a throwaway X desktop (Xvfb) with x11vnc in front of it, for fixture
// recording and live tests. Always pair with stop(), in a finally block.

export type XDesktop = {
  display: number;
  port: number;
  env: NodeJS.ProcessEnv;
  /** Runs an X client (xdotool, xsetroot, xset) against the display and returns its stdout. */
  run: (command: string, args: readonly string[]) => string;
  stop: () => Promise<void>;
};

export type XDesktopOptions = {
  width: number;
  height: number;
  password: string;
  /** Fixed display/port for reproducible recordings; free ones are picked when omitted. */
  display?: number;
  port?: number;
  x11vncArgs?: readonly string[];
  /** Draws on the display before x11vnc starts (Xvfb runs with -noreset, so it persists). */
  setup?: (desktop: { display: number; run: XDesktop["run"] }) => void | Promise<void>;
};

export function missingXTools(): string[] {
  return ["Xvfb", "x11vnc", "xdotool", "xsetroot", "xset"].filter(
    (tool) => spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0,
  );
}

export async function startXDesktop(options: XDesktopOptions): Promise<XDesktop> {
  const children: ChildProcess[] = [];
  const stop = async () => {
    for (const child of children.reverse()) await terminate(child);
  };
  try {
    const xvfb = spawn("Xvfb", [...(options.display === undefined ? ["-displayfd", "3"] : [`:${options.display}`]),
      "-screen", "0", `${options.width}x${options.height}x24`, "-nolisten", "tcp", "-noreset"], { stdio: ["ignore", "ignore", "ignore", "pipe"] });
    children.push(xvfb);
    const display = options.display ?? Number(await firstLine(xvfb, 3, "Xvfb did not report a display number"));
    await waitFor(() => existsSync(`/tmp/.X11-unix/X${display}`), 5_000, `Xvfb :${display} did not start`);
    const env = { ...process.env, DISPLAY: `:${display}` };

    const run = (command: string, args: readonly string[]) => {
      const result = spawnSync(command, args, { env, encoding: "utf8" });
      if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${result.stderr}`);
      return result.stdout;
    };
    await options.setup?.({ display, run });

    const port = options.port ?? (await freePort());
    // -noscr: x11vnc's scroll detection (on by default) watches X requests after wheel and key
    // input for scrolls drawn with XCopyArea, which browsers never use, and meanwhile held the
    // first frame of a Chromium scroll back by ~160 ms in half the scrolls of bench/host.ts.
    const vnc = spawn("x11vnc", ["-display", `:${display}`, "-rfbport", String(port), "-localhost", "-passwd", options.password,
      "-forever", "-shared", "-norc", "-noncache", "-nowf", "-noscr", ...(options.x11vncArgs ?? [])], { env, stdio: ["ignore", "pipe", "pipe"] });
    children.push(vnc);
    vnc.stderr?.resume(); // x11vnc logs a lot; an undrained pipe would stall it
    await firstLine(vnc, 1, "x11vnc did not start", (line) => line.startsWith("PORT="));
    return { display, port, env, run, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function firstLine(child: ChildProcess, fd: number, failure: string, match: (line: string) => boolean = () => true): Promise<string> {
  return new Promise((resolve, reject) => {
    const stream = child.stdio[fd] as NodeJS.ReadableStream | null;
    if (!stream) return reject(new Error(failure));
    let text = "";
    const timer = setTimeout(() => reject(new Error(`${failure} within 10 s`)), 10_000);
    stream.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      const complete = text.split("\n").slice(0, -1); // the last piece may be a partial line
      const line = complete.find((candidate) => match(candidate.trim()));
      if (line !== undefined) {
        clearTimeout(timer);
        resolve(line.trim());
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${failure}: exited with code ${code}`));
    });
  });
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 2_000);
  await exited;
  clearTimeout(timer);
}

async function waitFor(check: () => boolean, timeoutMs: number, failure: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(failure);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}
