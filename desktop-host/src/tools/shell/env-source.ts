import type { KnownSecret } from "@deskfleet/protocol";
import { envNameProblem, envSecretName, secretLabel } from "@deskfleet/protocol";
import type { TaskContext } from "../../task-runner.ts";

// Where a shell's environment comes from. Never the host's own: its host
// token, VNC password and API key must not reach a command the model wrote.
// Secrets come only from the vault, for a task whose `env` names them
// (`{"GITHUB_TOKEN": "secret:github"}`): the control plane releases each
// value for this run (audited), and the shell tool redacts it from output.

export type ShellEnv = {
  /** Variables to export, values included: only ever in the shell's process environment. */
  vars: Record<string, string>;
  /** The values with their labels, for redaction. */
  secrets: KnownSecret[];
  /** Which variable holds which secret, for the model's note and the events (names only). */
  granted: { variable: string; secret: string }[];
  /** Variables the task asked for that the shell does not have, and why. */
  missing: { variable: string; reason: string }[];
};

export interface ShellEnvSource {
  forTask(ctx: TaskContext): Promise<ShellEnv>;
}

export const NO_SECRETS: ShellEnvSource = { forTask: async () => ({ vars: {}, secrets: [], granted: [], missing: [] }) };

/** Asks the control plane for each variable's secret (`secret_request` with use `shell_env`). */
export const VAULT_ENV: ShellEnvSource = {
  async forTask(ctx) {
    const out: ShellEnv = { vars: {}, secrets: [], granted: [], missing: [] };
    for (const [variable, ref] of Object.entries(ctx.task.options.env ?? {})) {
      // The control plane checked these; a host checks again, since a reserved name here would be code (LD_PRELOAD).
      const problem = envNameProblem(variable);
      const secret = envSecretName(ref);
      if (problem || !secret) {
        out.missing.push({ variable, reason: problem ?? "its value is not a vault reference" });
        continue;
      }
      const r = await ctx.secretValue(secret, "shell_env");
      if (!r.ok) {
        out.missing.push({ variable, reason: r.message });
        continue;
      }
      out.vars[variable] = r.value;
      out.secrets.push({ value: r.value, label: secretLabel(secret) });
      out.granted.push({ variable, secret });
    }
    return out;
  },
};

/** Variables a shell may inherit from the host's environment: where things are, nothing secret. */
const INHERITED = ["PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "DISPLAY", "XAUTHORITY", "TMPDIR", "XDG_RUNTIME_DIR", "SHELL"];

export function shellEnvironment(host: NodeJS.ProcessEnv, taskId: string, dir: string, granted: Pick<ShellEnv, "vars">): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED) {
    const v = host[name];
    if (v !== undefined) env[name] = v;
  }
  return { ...env, TERM: "dumb", PAGER: "cat", GIT_PAGER: "cat", DESKFLEET_TASK_ID: taskId, DESKFLEET_TASK_DIR: dir, ...granted.vars };
}
