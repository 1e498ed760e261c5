import type { AgentTool, TaskOptions } from "@deskfleet/protocol";

/**
 * A task's settings under its agent, decided without I/O: the agent's are
 * defaults, and a task may narrow them but never widen them — fewer tools,
 * fewer steps, a smaller budget. Model, self-healing and carry-over are
 * defaults a task may change; the target is a default a task may replace.
 */

export type AgentDefaults = {
  name: string;
  model: string | null;
  tools: readonly string[];
  targetDesktopId: string | null;
  targetLabels: readonly string[];
  maxSteps: number | null;
  budgetUsd: number | null;
  selfHealing: boolean | null;
  continueFrom: string;
};

export type Requested = { desktopId: string | null; labels: string[]; options: TaskOptions };

export type Settled =
  | { ok: true; desktopId: string | null; labels: string[]; options: TaskOptions }
  | { ok: false; code: string; message: string };

export function settleTaskSettings(agent: AgentDefaults | null, req: Requested): Settled {
  const o = req.options;
  if (!agent) return { ok: true, desktopId: req.desktopId, labels: req.labels, options: o };

  const allowed = agent.tools as readonly AgentTool[];
  // The screen (`computer`) is every task's, named or not.
  const extra = (o.tools ?? []).filter((t) => t !== "computer" && !allowed.includes(t));
  if (extra.length > 0) {
    return {
      ok: false,
      code: "tool_not_allowed",
      message: `agent \`${agent.name}\` may use ${allowed.join(", ")}; a task cannot add ${extra.join(", ")} (change the agent's tools, or run without it)`,
    };
  }
  if (o.maxSteps !== undefined && agent.maxSteps !== null && o.maxSteps > agent.maxSteps) {
    return { ok: false, code: "limit_too_high", message: `agent \`${agent.name}\` takes at most ${agent.maxSteps} steps; a task may ask for fewer, not ${o.maxSteps}` };
  }
  if (o.budgetUsd !== undefined && agent.budgetUsd !== null && o.budgetUsd > agent.budgetUsd) {
    return { ok: false, code: "limit_too_high", message: `agent \`${agent.name}\` spends at most $${agent.budgetUsd}; a task may ask for less, not $${o.budgetUsd}` };
  }

  const options: TaskOptions = { ...o, tools: o.tools ?? [...allowed] };
  const model = o.model ?? agent.model;
  if (model) options.model = model;
  const maxSteps = o.maxSteps ?? agent.maxSteps;
  if (maxSteps !== null) options.maxSteps = maxSteps;
  const budgetUsd = o.budgetUsd ?? agent.budgetUsd;
  if (budgetUsd !== null) options.budgetUsd = budgetUsd;
  const selfHealing = o.selfHealing ?? agent.selfHealing;
  if (selfHealing !== null) options.selfHealing = selfHealing;
  if (o.continueFrom === undefined && agent.continueFrom === "last") options.continueFrom = "last";

  const ownTarget = req.desktopId !== null || req.labels.length > 0;
  return {
    ok: true,
    desktopId: ownTarget ? req.desktopId : agent.targetDesktopId,
    labels: ownTarget ? req.labels : agent.targetDesktopId ? [] : [...agent.targetLabels],
    options,
  };
}

/** The tools a task may use when it starts: its own list, cut to what its agent allows now (an agent narrowed since still binds). */
export function toolsAtStart(taskTools: readonly AgentTool[] | undefined, agentTools: readonly string[] | null): AgentTool[] | undefined {
  if (!agentTools) return taskTools ? [...taskTools] : undefined;
  const base = taskTools ?? (agentTools as AgentTool[]);
  return base.filter((t) => agentTools.includes(t));
}
