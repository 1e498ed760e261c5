import type { AssignedTask } from "@deskfleet/protocol";

// Where a shell's environment comes from. Never the host's own: its host
// token, VNC password and API key must not reach a command the model wrote.
// Secrets come only through a ShellEnvSource, for a task granted them
// (`env: {NAME: "secret:github"}`), and their values are redacted from the
// output before the model or the event log sees it. No vault exists on this
// host yet, so the only source is NO_SECRETS; the vault plugs in here.

export type ShellEnv = { vars: Record<string, string>; secrets: string[] };

export interface ShellEnvSource {
  forTask(task: AssignedTask): Promise<ShellEnv>;
}

export const NO_SECRETS: ShellEnvSource = { forTask: async () => ({ vars: {}, secrets: [] }) };

/** Variables a shell may inherit from the host's environment: where things are, nothing secret. */
const INHERITED = ["PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "DISPLAY", "XAUTHORITY", "TMPDIR", "XDG_RUNTIME_DIR", "SHELL"];

export function shellEnvironment(host: NodeJS.ProcessEnv, taskId: string, dir: string, granted: ShellEnv): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED) {
    const v = host[name];
    if (v !== undefined) env[name] = v;
  }
  return { ...env, TERM: "dumb", PAGER: "cat", GIT_PAGER: "cat", DESKFLEET_TASK_ID: taskId, DESKFLEET_TASK_DIR: dir, ...granted.vars };
}
