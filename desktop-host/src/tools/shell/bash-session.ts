import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { randomBytes } from "node:crypto";
import { OutputCap } from "./output-cap.ts";

// One persistent `bash` per task: commands run one after another in the same
// shell, so `cd` and variables persist, as the bash tool defines it. The
// shell leads its own process group, so a cancel or a timeout kills
// everything the command started (a `sleep 600` included) at once. Each
// command's end is recognised by a marker line carrying a per-shell random
// nonce and the exit code, which the command's own output cannot forge.

export type CommandEnding = "exited" | "timed_out" | "cancelled" | "restarted";

export type CommandResult = {
  exitCode: number | null;
  ending: CommandEnding;
  /** Output (stdout and stderr interleaved) capped: head and tail kept, the middle elided with a count. */
  output: string;
  outputBytes: number;
  durationMs: number;
  /** The command ended the shell itself (`exit`): the next one starts a fresh shell. */
  shellExited?: true;
};

export type BashSessionOptions = {
  cwd: string;
  /** The shell's whole environment: never the host's own (its token and API key must not reach the agent). */
  env: Record<string, string>;
  /** A command printing nothing for this long is killed. Default 120 s. */
  inactivityTimeoutMs?: number;
  /** Output kept per command: this many bytes from the start and from the end. Default 8 KiB each. */
  headBytes?: number;
  tailBytes?: number;
  now?: () => number;
};

export class BashSession {
  readonly #o: BashSessionOptions;
  #shell: ChildProcessWithoutNullStreams | null = null;
  #nonce = "";
  /** The running command's output handler; null between commands. */
  #onData: ((chunk: Buffer) => void) | null = null;
  #onExit: ((code: number | null) => void) | null = null;
  #busy = false;

  constructor(options: BashSessionOptions) {
    this.#o = options;
  }

  get running(): boolean {
    return this.#shell !== null;
  }

  /** The shell's process id (its process group's id), or null when no shell runs. */
  get pid(): number | null {
    return this.#shell?.pid ?? null;
  }

  async run(command: string, signal?: AbortSignal): Promise<CommandResult> {
    if (this.#busy) throw new Error("the shell is still running a command");
    // An unclosed quote would swallow the end marker and hang the shell until its timeout: check first.
    const syntax = spawnSync("bash", ["-n"], { input: command, encoding: "utf8", timeout: 5_000 });
    if (syntax.status !== 0) {
      const output = (syntax.stderr || "bash: syntax error").replace(/^bash: line /gm, "line ").trim();
      return { exitCode: 2, ending: "exited", output, outputBytes: Buffer.byteLength(output), durationMs: 0 };
    }
    this.#busy = true;
    try {
      return await this.#run(command, signal);
    } finally {
      this.#busy = false;
    }
  }

  /** Kills the shell and everything it started; the next command gets a fresh one. */
  restart(): void {
    this.#kill();
  }

  close(): void {
    this.#kill();
  }

  #start(): ChildProcessWithoutNullStreams {
    this.#nonce = randomBytes(9).toString("hex");
    const shell = spawn("bash", ["--noprofile", "--norc"], { cwd: this.#o.cwd, env: this.#o.env, detached: true, stdio: ["pipe", "pipe", "pipe"] });
    // Only the current shell speaks for the running command: a killed one's last bytes and exit come late.
    shell.stdout.on("data", (d: Buffer) => this.#shell === shell && this.#onData?.(d));
    shell.stderr.on("data", (d: Buffer) => this.#shell === shell && this.#onData?.(d));
    shell.on("exit", (code) => {
      if (this.#shell !== shell) return;
      this.#shell = null;
      this.#onExit?.(code);
    });
    shell.stdin.on("error", () => undefined);
    this.#shell = shell;
    return shell;
  }

  #kill(): void {
    const shell = this.#shell;
    this.#shell = null;
    if (!shell?.pid) return;
    try {
      process.kill(-shell.pid, "SIGKILL");
    } catch {
      // The group is gone already.
    }
  }

  #run(command: string, signal?: AbortSignal): Promise<CommandResult> {
    const now = this.#o.now ?? Date.now;
    const started = now();
    const shell = this.#shell ?? this.#start();
    const marker = Buffer.from(`__DESKFLEET_END_${this.#nonce}_`);
    const holdback = marker.length + 16;
    const cap = new OutputCap(this.#o.headBytes ?? 8 * 1024, this.#o.tailBytes ?? 8 * 1024);
    let pending: Buffer = Buffer.alloc(0);
    const timeoutMs = this.#o.inactivityTimeoutMs ?? 120_000;

    return new Promise<CommandResult>((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const finish = (ending: CommandEnding, exitCode: number | null, shellExited = false) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.#onData = null;
        this.#onExit = null;
        if (ending !== "exited") {
          cap.push(pending);
          this.#kill();
        }
        resolve({ exitCode, ending, output: cap.text(), outputBytes: cap.totalBytes, durationMs: now() - started, ...(shellExited ? { shellExited: true as const } : {}) });
      };
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => finish("timed_out", null), timeoutMs);
      };
      const onAbort = () => finish("cancelled", null);
      this.#onData = (chunk) => {
        arm();
        const data = pending.length ? Buffer.concat([pending, chunk]) : chunk;
        const at = data.indexOf(marker);
        if (at !== -1) {
          const end = data.indexOf("__", at + marker.length);
          if (end !== -1) {
            // The marker follows a newline the wrapper printed so it starts a line; that newline is ours.
            const before = at > 0 && data[at - 1] === 0x0a ? at - 1 : at;
            cap.push(data.subarray(0, before));
            pending = Buffer.alloc(0);
            finish("exited", Number(data.subarray(at + marker.length, end).toString()));
            return;
          }
          cap.push(data.subarray(0, at));
          pending = Buffer.from(data.subarray(at));
          return;
        }
        const keep = Math.min(holdback, data.length);
        cap.push(data.subarray(0, data.length - keep));
        pending = Buffer.from(data.subarray(data.length - keep));
      };
      this.#onExit = (code) => {
        cap.push(pending);
        finish("exited", code, true);
      };
      if (signal?.aborted) return finish("cancelled", null);
      signal?.addEventListener("abort", onAbort, { once: true });
      arm();
      // Braces keep `cd` and variables in this shell; stdin is closed so a prompt cannot hang it.
      shell.stdin.write(`{\n${command}\n} </dev/null 2>&1\nprintf '\\n${marker.toString()}%d__\\n' $?\n`);
    });
  }
}
