import type { BetaToolBash20250124 } from "@anthropic-ai/sdk/resources/beta";
import { MAX_COMMAND_OUTPUT_CHARS, MAX_MESSAGE_CHARS, MAX_TOOL_TEXT_CHARS, secretRedactor, truncate } from "@deskfleet/protocol";
import type { HostTool, HostToolFactory, ToolAnswer, ToolCall } from "../host-tool.ts";
import { ToolInputError } from "../host-tool.ts";
import { createRedactor } from "../../runtime/redact.ts";
import { BashSession, type CommandResult } from "./bash-session.ts";
import { shellEnvironment, VAULT_ENV, type ShellEnv, type ShellEnvSource } from "./env-source.ts";
import { capText } from "./output-cap.ts";

// Anthropic's bash tool (`bash_20250124`): `{command}` runs in the task's
// persistent shell, `{restart: true}` gives it a fresh one. Every command is
// a `command` event: the command, its exit code, duration, bytes and output
// (capped, secrets redacted).

export const BASH_TOOL: BetaToolBash20250124 = { type: "bash_20250124", name: "bash" };
/** Output the model gets per command; the event keeps MAX_COMMAND_OUTPUT_CHARS. */
const MODEL_OUTPUT_CHARS = 10_000;

export type ShellOptions = {
  /** A command printing nothing for this long is killed. Default 120 s. */
  inactivityTimeoutMs?: number;
  /** Where vault variables come from (default: the control plane, for a task whose `env` names them). */
  env?: ShellEnvSource;
  hostEnv?: NodeJS.ProcessEnv;
};

export function shellTool(options: ShellOptions = {}): HostToolFactory {
  return {
    grant: "shell",
    names: ["bash"],
    async open(ctx, workspace) {
      const granted = await (options.env ?? VAULT_ENV).forTask(ctx);
      for (const m of granted.missing) {
        ctx.emit("log", { level: "warn", message: truncate(`The shell starts without $${m.variable}: ${m.reason}`, MAX_MESSAGE_CHARS) });
      }
      // The same environment for every shell of this run: a restart, a timeout or an `exit` brings the variables back.
      const session = new BashSession({
        cwd: workspace.dir,
        env: shellEnvironment(options.hostEnv ?? process.env, ctx.task.id, workspace.dir, granted),
        ...(options.inactivityTimeoutMs !== undefined ? { inactivityTimeoutMs: options.inactivityTimeoutMs } : {}),
      });
      // Vault values become their labels; token-shaped strings (bearer tokens, API keys) are redacted as before.
      const vault = secretRedactor(granted.secrets);
      const shapes = createRedactor();
      return new ShellTool(session, (s) => shapes.text(vault.text(s)), options.inactivityTimeoutMs ?? 120_000, granted);
    },
  };
}

export class ShellTool implements HostTool {
  readonly #session: BashSession;
  readonly #redact: (s: string) => string;
  readonly #timeoutMs: number;
  readonly #env: Pick<ShellEnv, "granted" | "missing">;

  constructor(session: BashSession, redact: (s: string) => string, timeoutMs: number, env: Pick<ShellEnv, "granted" | "missing"> = { granted: [], missing: [] }) {
    this.#session = session;
    this.#redact = redact;
    this.#timeoutMs = timeoutMs;
    this.#env = env;
  }

  definitions() {
    return [BASH_TOOL];
  }

  /** The model learns which variables hold vault secrets (names, never values) and that printing one shows only its label. */
  notes(): string[] {
    const notes: string[] = [];
    if (this.#env.granted.length > 0) {
      const list = this.#env.granted.map((g) => `$${g.variable} (vault secret \`${g.secret}\`)`).join(", ");
      notes.push(`Your shell has these environment variables from the vault: ${list}. Use them by name in commands (e.g. "$${this.#env.granted[0]!.variable}"); do not print them: their values are replaced by [secret:<name>] in what you see.`);
    }
    if (this.#env.missing.length > 0) notes.push(`These variables the task asked for are not set in your shell: ${this.#env.missing.map((m) => `$${m.variable}`).join(", ")}.`);
    return notes;
  }

  async run(_name: string, input: Record<string, unknown>, call: ToolCall): Promise<ToolAnswer> {
    if (input["restart"] === true) {
      this.#session.restart();
      call.ctx.emit("command", { step: call.step, command: "(restart)", exitCode: null, durationMs: 0, outputBytes: 0, output: "", ending: "restarted", ...this.#envNames() });
      return { content: "tool has been restarted." };
    }
    const command = input["command"];
    if (typeof command !== "string" || command.trim() === "") throw new ToolInputError("`command` must be a non-empty string (or send `restart: true`).");
    const result = await this.runCommand(command, call);
    return { content: this.describe(result), isError: result.ending !== "exited" };
  }

  /** Runs one command and records its `command` event; also what a task's `command` runs through. */
  async runCommand(command: string, call: Pick<ToolCall, "ctx" | "step" | "signal">): Promise<CommandResult> {
    const result = await this.#session.run(command, call.signal);
    const output = this.#redact(result.output);
    call.ctx.emit("command", {
      step: call.step,
      command: truncate(this.#redact(command), MAX_TOOL_TEXT_CHARS),
      exitCode: result.exitCode,
      durationMs: result.durationMs,
      outputBytes: result.outputBytes,
      output: capText(output, MAX_COMMAND_OUTPUT_CHARS),
      ending: result.ending,
      ...this.#envNames(),
    });
    return { ...result, output };
  }

  /** The vault variables every command of this shell receives, by name. */
  #envNames(): { env?: string[] } {
    return this.#env.granted.length > 0 ? { env: this.#env.granted.map((g) => g.variable) } : {};
  }

  describe(result: CommandResult): string {
    const out = capText(result.output, MODEL_OUTPUT_CHARS);
    const tail =
      result.ending === "timed_out" ? `\n[killed: no output for ${Math.round(this.#timeoutMs / 1000)} s; the shell was restarted, so the working directory and variables are reset]`
      : result.ending === "cancelled" ? "\n[cancelled]"
      : result.shellExited ? `\n[the shell exited${result.exitCode !== null ? ` with code ${result.exitCode}` : ""}; the next command starts a fresh one in the task's folder]`
      : result.exitCode !== 0 ? `\n[exit code ${result.exitCode}]`
      : "";
    const text = `${out}${tail}`.trim();
    return text === "" ? "(no output)" : text;
  }

  close(): void {
    this.#session.close();
  }
}
