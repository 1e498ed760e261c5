import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "../../scripts/lib/local-control-plane.ts";

const BIN = join(ROOT, "desktop-host", "bin", "deskfleet-host.ts");

export type HostProcess = {
  /** Everything the host printed (JSON logs), for assertions and failure reports. */
  logs(): string;
  /** SIGKILL: the host vanishes mid-task, as a crashed VM would. */
  kill(): Promise<void>;
  /** SIGTERM and wait. */
  stop(): Promise<void>;
  start(): void;
  readonly running: boolean;
};

/** The real `deskfleet-host run` binary, as a user starts it. */
export function hostProcess(env: Record<string, string>, args: string[], options: { deferred?: boolean } = {}): HostProcess {
  let child: ChildProcess | null = null;
  let output = "";
  const start = () => {
    child = spawn(process.execPath, [BIN, "run", "--json", ...args], { env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "/root", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    const onData = (d: Buffer) => {
      output += d.toString();
      if (output.length > 4_000_000) output = output.slice(-2_000_000);
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
  };
  const end = async (signal: NodeJS.Signals) => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise<void>((r) => c.once("exit", () => r()));
    c.kill(signal);
    const t = setTimeout(() => c.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(t);
  };
  if (!options.deferred) start();
  return {
    logs: () => output,
    kill: () => end("SIGKILL"),
    stop: () => end("SIGTERM"),
    start,
    get running() {
      return child !== null && child.exitCode === null;
    },
  };
}
