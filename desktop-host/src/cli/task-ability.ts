import type { TaskRunner } from "../task-runner.ts";

/** Whether this host can run tasks; when not, why, in words a person can act on (sent in each hello). */
export type TaskAbility = { runsTasks: true } | { runsTasks: false; reason: string };

export const NO_API_KEY_REASON = "no ANTHROPIC_API_KEY on this host; set it and restart deskfleet-host to run tasks";

/**
 * A host without an Anthropic key still serves its desktop (live view,
 * screenshots, input, takeover); it only cannot run the computer-use loop.
 */
export function taskAbility(env: Record<string, string | undefined>): TaskAbility {
  return env["ANTHROPIC_API_KEY"] || env["ANTHROPIC_AUTH_TOKEN"] ? { runsTasks: true } : { runsTasks: false, reason: NO_API_KEY_REASON };
}

/**
 * Stands in for the computer-use loop on a host that runs no tasks. The
 * control plane is told in the hello and should send none; one that sends a
 * task anyway (an older control plane, a race) gets a failure that says why.
 */
export function refusingRunner(reason: string): TaskRunner {
  return {
    run: async () => ({ status: "failed", error: { code: "host_runs_no_tasks", message: `this desktop's host runs no tasks: ${reason}` } }),
  };
}
