import { z } from "zod";
import type { Tool, ToolResultBlockParam } from "@anthropic-ai/sdk/resources/messages/messages";
import type { ApprovalClass, ConversationKind } from "@deskfleet/protocol";
import { ApiError, describeZodError } from "../../api-error.ts";
import { decideApproval } from "../approvals/policy.ts";
import type { ProposalDraft, WriteEffect } from "../approvals/draft.ts";

export type { ProposalDraft, WriteEffect };

export type ToolResultContent = Exclude<ToolResultBlockParam["content"], string | undefined>;

/** What a healer or optimizer conversation has done so far; tools record their effect here. */
export type JobState = {
  kind: "heal" | "learn";
  taskId: string;
  prepared: boolean;
  retryTaskId: string | null;
  savedPromptVersion: number | null;
  summary: string | null;
  /** Writes this job proposed instead of making (ids), waiting for a person. */
  proposals?: { id: string; tool: string }[];
};

/** Where the conversation's own messages go: the dashboard feed, or the Telegram chat. */
export type Channel = {
  say(text: string): Promise<void>;
  showScreenshot(s: { taskId: string; name: string; caption: string | null }): Promise<void>;
};

export type ToolContext = {
  env: Env;
  conversationId: string;
  kind: ConversationKind;
  /** Recorded as who did it (audit, prompt versions, help answers). */
  actor: string;
  job: JobState | null;
  channel: Channel;
  /** Whether the model turn making these calls answers a person's message (not tool results). */
  askedByPerson: boolean;
  /** The classes of writes that need a person's approval when nobody asked (DESKFLEET_APPROVALS). */
  requiredApprovals: ReadonlySet<ApprovalClass>;
  /** Set while carrying out a proposal a person approved: the call runs without asking again. */
  approval: { proposalId: string; by: string } | null;
};

/**
 * What a tool does to the fleet. Every tool declares it, so a new write cannot
 * slip past the approval policy: "read" looks, "conversation" only talks to the
 * people in this conversation, "memory" writes the fleet's memory or the user
 * profile (what the supervisor learns; not an approval class), anything else is
 * a write (decided per input when a function).
 */
export type ToolEffect = "read" | "conversation" | "memory" | WriteEffect | ((ctx: ToolContext, input: never) => Promise<WriteEffect>);



export type Wait = { kind: "task"; taskId: string; timeoutMs: number } | { kind: "human"; question: string };

export type ToolOutcome = { content: string | ToolResultContent; isError?: boolean } | { wait: Wait } | { propose: ProposalDraft };

export type SupervisorTool = {
  name: string;
  description: string;
  input: z.ZodType;
  effect: ToolEffect;
  run(ctx: ToolContext, input: never): Promise<ToolOutcome>;
};

/** Declares a tool with its input typed by its zod schema. */
export function tool<S extends z.ZodType>(t: {
  name: string;
  description: string;
  input: S;
  effect: "read" | "conversation" | "memory" | WriteEffect | ((ctx: ToolContext, input: z.output<S>) => Promise<WriteEffect>);
  run(ctx: ToolContext, input: z.output<S>): Promise<ToolOutcome>;
}): SupervisorTool {
  return t as SupervisorTool;
}

/** The write a call would make, or null for a read or a word to the people in the conversation. */
async function writeOf(t: SupervisorTool, ctx: ToolContext, input: unknown): Promise<WriteEffect | null> {
  if (t.effect === "read" || t.effect === "conversation" || t.effect === "memory") return null;
  return typeof t.effect === "function" ? t.effect(ctx, input as never) : t.effect;
}

export function definition(t: SupervisorTool): Tool {
  const { $schema: _drop, ...schema } = z.toJSONSchema(t.input, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  return { name: t.name, description: t.description, input_schema: { ...schema, type: "object" } as Tool["input_schema"] };
}

/**
 * Runs one tool call. Every failure becomes an is_error result the model can
 * act on (what was wrong and what to do); nothing throws out of here.
 */
export async function runTool(tools: readonly SupervisorTool[], ctx: ToolContext, name: string, raw: unknown): Promise<ToolOutcome> {
  const t = tools.find((x) => x.name === name);
  if (!t) return { content: `there is no tool \`${name}\` here; use one of: ${tools.map((x) => x.name).join(", ")}`, isError: true };
  const parsed = t.input.safeParse(raw ?? {});
  if (!parsed.success) return { content: `the input of ${name} is invalid: ${describeZodError(parsed.error)}; fix it and call ${name} again`, isError: true };
  try {
    const write = ctx.approval ? null : await writeOf(t, ctx, parsed.data);
    if (write) {
      const decision = decideApproval({ kind: ctx.kind, askedByPerson: ctx.askedByPerson, required: ctx.requiredApprovals, effect: write });
      if (decision.propose) return { propose: { tool: t.name, input: parsed.data as Record<string, unknown>, effect: write, why: decision.why } };
    }
    return await t.run(ctx, parsed.data as never);
  } catch (err) {
    if (err instanceof ApiError) return { content: `${name} failed (${err.code}): ${err.message}`, isError: true };
    console.error("supervisor tool failed", name, err instanceof Error ? (err.stack ?? err.message) : String(err));
    return { content: `${name} failed on our side (${err instanceof Error ? err.message : String(err)}); try again once, then tell the person`, isError: true };
  }
}

/** Tool output as compact JSON text. */
export const json = (value: unknown): { content: string } => ({ content: JSON.stringify(value) });

export const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
