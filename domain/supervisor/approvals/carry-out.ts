import type { Proposal } from "@deskfleet/protocol";
import { cut } from "../conversation-window.ts";
import { runTool, type SupervisorTool, type ToolContext } from "../tools/tool.ts";

export type Outcome = { result: string } | { error: { code: string; message: string } };

/**
 * Carries out an approved proposal: the same tool, with the input the model
 * gave (checked again against the tool's schema), in a context that says who
 * approved it so the policy does not ask twice. Failures are outcomes, not throws.
 */
export async function carryOut(tools: readonly SupervisorTool[], ctx: ToolContext, p: Proposal): Promise<Outcome> {
  if (!ctx.approval) throw new Error("carryOut needs the approval in its context");
  const out = await runTool(tools, ctx, p.tool, p.input);
  if ("propose" in out) return { error: { code: "not_carried_out", message: `${p.tool} asked for approval again; nothing was done` } };
  // A wait only matters to a model turn; an approved create_task has started its task by now.
  if ("wait" in out) return out.wait.kind === "task" ? { result: JSON.stringify({ started: out.wait.taskId }) } : { error: { code: "not_carried_out", message: "the tool asked a person a question; nothing was done" } };
  const text = typeof out.content === "string" ? out.content : out.content.map((c) => (c.type === "text" ? c.text : `[${c.type}]`)).join("\n");
  if (!out.isError) return { result: cut(text, 4_000) };
  // runTool words its failures "<tool> failed (<code>): <message>".
  const code = /^\S+ failed \(([a-z0-9_]+)\)/.exec(text)?.[1] ?? "failed";
  return { error: { code, message: cut(text, 2_000) } };
}

/** Task ids a result mentions (a started task, a retry): safe to hand back to the model, unlike the result's text. */
export const taskIdsIn = (text: string | null): string[] => [...new Set(text?.match(/\btsk_[0-9a-z]{10,40}\b/g) ?? [])];
