import { createComputerUseRunner } from "../agent/index.ts";
import type { TaskRunner } from "../task-runner.ts";
import type { VncConnection } from "../runtime/vnc-connection.ts";
import { refusingRunner, type TaskAbility } from "./task-ability.ts";
import type { HostToolbox } from "../tools/toolbox.ts";

/**
 * The one place `deskfleet-host run` chooses its TaskRunner: the Claude
 * computer-use loop (desktop-host/src/agent/) driving this host's VNC session,
 * or, on a host that runs no tasks (no API key), one that refuses each task.
 * The API key and gateway come from ANTHROPIC_API_KEY / ANTHROPIC_BASE_URL.
 */
export function createHostRunner(options: { vnc: VncConnection; model: string | undefined; os: string; ability: TaskAbility; tools?: HostToolbox | null }): TaskRunner {
  if (!options.ability.runsTasks) return refusingRunner(options.ability.reason);
  return createComputerUseRunner({
    desktop: { rfb: options.vnc, os: options.os },
    ...(options.model !== undefined ? { model: options.model } : {}),
    ...(options.tools ? { tools: options.tools } : {}),
  });
}
