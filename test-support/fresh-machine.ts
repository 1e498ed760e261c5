import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type Run = { code: number | null; stdout: string; stderr: string };

/**
 * A machine with nothing of Deskfleet on it but Node: a fresh HOME and a PATH
 * that holds only `node` (this test's own Node, linked into an empty folder).
 * Everything runs with that environment alone, as a new user's shell would.
 */
export type FreshMachine = {
  home: string;
  /** The folder on PATH, holding only `node`. */
  bin: string;
  /** Where the installer puts the host by default. */
  launcher: string;
  env(extra?: Record<string, string>): Record<string, string>;
  /** Runs a program with the machine's environment, standard input from `stdin`. */
  run(argv: string[], opts?: { stdin?: string; env?: Record<string, string>; timeoutMs?: number }): Promise<Run>;
  /** Starts a long-running program (the host); `stop()` sends SIGTERM and resolves with how it ended. */
  start(argv: string[], opts?: { env?: Record<string, string> }): { output(): string; stop(): Promise<Run> };
  /**
   * Runs an install line in a terminal (util-linux `script` gives it one), as
   * a person pasting it would, and types `token` at the installer's prompt.
   * `curl` and `sh` are called by their full paths: PATH holds only Node.
   */
  runInTerminal(line: string, token: string, opts?: { env?: Record<string, string>; timeoutMs?: number }): Promise<Run>;
  dispose(): void;
};

export const TOKEN_PROMPT = /Paste the host token for desktop .*: $/m;

export function freshMachine(): FreshMachine {
  const root = mkdtempSync(join(tmpdir(), "deskfleet-fresh-machine-"));
  const home = join(root, "home");
  const bin = join(root, "node-only-bin");
  mkdirSync(home);
  mkdirSync(bin);
  symlinkSync(process.execPath, join(bin, "node"));
  const env = (extra: Record<string, string> = {}) => ({ HOME: home, PATH: bin, TMPDIR: join(root, "tmp"), SHELL: "/bin/sh", ...extra });
  mkdirSync(join(root, "tmp"));

  type Options = { stdin?: string; env?: Record<string, string>; timeoutMs?: number; onOutput?: (all: string, write: (s: string) => void) => void };
  const spawnCollect = (argv: string[], opts: Options, started?: (child: ReturnType<typeof spawn>, output: () => string) => void) =>
    new Promise<Run>((resolve) => {
      const child = spawn(argv[0]!, argv.slice(1), { env: env(opts.env), cwd: home, stdio: ["pipe", "pipe", "pipe"] });
      started?.(child, () => stdout + stderr);
      let stdout = "";
      let stderr = "";
      const write = (s: string) => child.stdin.write(s);
      const seen = () => opts.onOutput?.(stdout + stderr, write);
      child.stdout.on("data", (d: Buffer) => ((stdout += d.toString()), seen()));
      child.stderr.on("data", (d: Buffer) => ((stderr += d.toString()), seen()));
      child.stdin.on("error", () => undefined);
      if (opts.stdin !== undefined) child.stdin.end(opts.stdin);
      const kill = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
      child.on("exit", (code) => {
        clearTimeout(kill);
        resolve({ code, stdout, stderr });
      });
    });

  return {
    home,
    bin,
    launcher: join(home, ".deskfleet", "bin", "deskfleet-host"),
    env,
    run: (argv, opts = {}) => spawnCollect(argv, { ...opts, stdin: opts.stdin ?? "" }),
    start: (argv, opts = {}) => {
      let child: ReturnType<typeof spawn> | null = null;
      let output = () => "";
      const done = spawnCollect(argv, { ...opts, stdin: "", timeoutMs: 30 * 60_000 }, (c, o) => ((child = c), (output = o)));
      return {
        output: () => output(),
        stop: () => {
          child?.kill("SIGTERM");
          return done;
        },
      };
    },
    runInTerminal: (line, token, opts = {}) => {
      if (!existsSync("/usr/bin/script")) throw new Error("runInTerminal needs util-linux's script (apt-get install bsdutils)");
      const absolute = line.replace(/^curl /, "/usr/bin/curl ").replace(/\| sh /, "| /bin/sh ");
      let typed = false;
      // The token is typed only once the prompt is up (the terminal is in no-echo mode by then), as a person would.
      return spawnCollect(["/usr/bin/script", "--quiet", "--return", "--flush", "--command", absolute, "/dev/null"], {
        ...opts,
        onOutput: (all, write) => {
          if (typed || !TOKEN_PROMPT.test(all)) return;
          typed = true;
          write(`${token}\r`);
        },
      });
    },
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
}
