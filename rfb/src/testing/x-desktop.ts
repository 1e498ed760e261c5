import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

// Starts a throwaway X desktop for fixture recording and live tests: Xvfb with
// x11vnc in front of it, or TigerVNC's Xvnc (X server and VNC server in one),
// either with a VNC password and bound to localhost, optionally with openbox.
// Always pair with stop(), in a finally block.

/** The VNC servers the live tests cover: they map keysyms to keys differently, so an action can work on one and not the other. */
export const VNC_SERVERS = ["x11vnc", "Xvnc"] as const;
export type VncServer = (typeof VNC_SERVERS)[number];

export type XDesktop = {
  display: number;
  port: number;
  server: VncServer;
  env: NodeJS.ProcessEnv;
  /** Runs an X client (xdotool, xsetroot, xset) against the display and returns its stdout. */
  run: (command: string, args: readonly string[]) => string;
  stop: () => Promise<void>;
};

export type XDesktopOptions = {
  width: number;
  height: number;
  password: string;
  /** Default x11vnc (over Xvfb). */
  server?: VncServer;
  /** Fixed display/port for reproducible recordings; free ones are picked when omitted. */
  display?: number;
  port?: number;
  /**
   * Xvnc's security (Xvnc only; default VncAuth): TigerVNC's -SecurityTypes names,
   * the certificate for the X509 methods and the PAM service that checks Plain.
   */
  xvncSecurity?: { types: readonly string[]; x509?: { certFile: string; keyFile: string }; plain?: { service: string; users: readonly string[] } };
  /** Extra x11vnc arguments (x11vnc only). */
  x11vncArgs?: readonly string[];
  /** Runs openbox, as on a real desktop: it places, decorates and focuses windows. */
  windowManager?: boolean;
  /** Draws on the display before the desktop is handed over (Xvfb and Xvnc run with -noreset, so it persists). */
  setup?: (desktop: { display: number; run: XDesktop["run"] }) => void | Promise<void>;
};

/** The programs a desktop with these options needs that are not installed. */
export function missingXTools(options: { servers?: readonly VncServer[]; windowManager?: boolean } = {}): string[] {
  const servers = options.servers ?? ["x11vnc"];
  const tools = [
    ...(servers.includes("x11vnc") ? ["Xvfb", "x11vnc"] : []),
    ...(servers.includes("Xvnc") ? ["Xvnc", "vncpasswd"] : []),
    ...(options.windowManager === true ? ["openbox"] : []),
    "xdotool", "xsetroot", "xset",
  ];
  return tools.filter((tool) => spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0);
}

export async function startXDesktop(options: XDesktopOptions): Promise<XDesktop> {
  const server = options.server ?? "x11vnc";
  const children: ChildProcess[] = [];
  const scratch: string[] = [];
  const stop = async () => {
    for (const child of children.reverse()) await terminate(child);
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  };
  try {
    const displayArgs = options.display === undefined ? ["-displayfd", "3"] : [`:${options.display}`];
    const port = options.port ?? (await freePort());
    let x: ChildProcess;
    if (server === "Xvnc") {
      const dir = mkdtempSync(join(tmpdir(), "deskfleet-xvnc-"));
      scratch.push(dir);
      const passwordFile = join(dir, "passwd");
      writeFileSync(passwordFile, obfuscatedVncPassword(options.password), { mode: 0o600 });
      const security = options.xvncSecurity;
      const securityArgs = [
        "-SecurityTypes", (security?.types ?? ["VncAuth"]).join(","),
        ...(security?.x509 ? ["-X509Cert", security.x509.certFile, "-X509Key", security.x509.keyFile] : []),
        ...(security?.plain ? ["-PAMService", security.plain.service, "-PlainUsers", security.plain.users.join(",")] : []),
      ];
      x = spawn("Xvnc", [...displayArgs, "-geometry", `${options.width}x${options.height}`, "-depth", "24",
        "-rfbport", String(port), "-localhost", ...securityArgs, "-PasswordFile", passwordFile,
        "-nolisten", "tcp", "-noreset"], { stdio: ["ignore", "ignore", "ignore", "pipe"] });
    } else {
      x = spawn("Xvfb", [...displayArgs, "-screen", "0", `${options.width}x${options.height}x24`, "-nolisten", "tcp", "-noreset"],
        { stdio: ["ignore", "ignore", "ignore", "pipe"] });
    }
    children.push(x);
    // -displayfd reports the number once the server accepts clients; Xvnc's VNC port is open by then too.
    const display = options.display ?? Number(await firstLine(x, 3, `${server === "Xvnc" ? "Xvnc" : "Xvfb"} did not report a display number`));
    await waitFor(() => existsSync(`/tmp/.X11-unix/X${display}`), 5_000, `X display :${display} did not start`);
    const env = { ...process.env, DISPLAY: `:${display}` };

    const run = (command: string, args: readonly string[]) => {
      const result = spawnSync(command, args, { env, encoding: "utf8" });
      if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${result.stderr}`);
      return result.stdout;
    };
    if (options.windowManager === true) {
      const wm = spawn("openbox", ["--startup", "echo deskfleet-openbox-ready"], { env, stdio: ["ignore", "pipe", "ignore"] });
      children.push(wm);
      await firstLine(wm, 1, "openbox did not start", (line) => line === "deskfleet-openbox-ready");
      wm.stdout?.resume();
    }
    await options.setup?.({ display, run });

    if (server === "x11vnc") {
      // -noscr: x11vnc's scroll detection (on by default) watches X requests after wheel and key
      // input for scrolls drawn with XCopyArea, which browsers never use, and meanwhile held the
      // first frame of a Chromium scroll back by ~160 ms in half the scrolls of bench/host.ts.
      const vnc = spawn("x11vnc", ["-display", `:${display}`, "-rfbport", String(port), "-localhost", "-passwd", options.password,
        "-forever", "-shared", "-norc", "-noncache", "-nowf", "-noscr", ...(options.x11vncArgs ?? [])], { env, stdio: ["ignore", "pipe", "pipe"] });
      children.push(vnc);
      vnc.stderr?.resume(); // x11vnc logs a lot; an undrained pipe would stall it
      await firstLine(vnc, 1, "x11vnc did not start", (line) => line.startsWith("PORT="));
    }
    return { display, port, server, env, run, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The password file Xvnc reads, made the way TigerVNC's own tool makes it (`vncpasswd -f`). */
function obfuscatedVncPassword(password: string): Buffer {
  const result = spawnSync("vncpasswd", ["-f"], { input: `${password}\n` });
  if (result.status !== 0 || result.stdout.length !== 8) throw new Error(`vncpasswd -f failed: ${result.stderr.toString()}`);
  return result.stdout;
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
