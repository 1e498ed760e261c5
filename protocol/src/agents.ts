import { z } from "zod";
import { DesktopId, EpochMs, Label } from "./ids.ts";
import { HostToolId } from "./host-tools.ts";
import { ProfileMcpServers } from "./mcp-servers.ts";

/**
 * Agent profiles and skills: who a task's agent is (its instructions, which
 * host tools it may use, its limits) and the markdown know-how attached to it.
 * The control plane resolves them when it assigns a task; the host builds the
 * system prompt from them (`agent-prompt.ts`).
 */

const slug = (what: string, example: string) =>
  z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/, {
    message: `a ${what} name is 1-40 lowercase letters, digits and dashes, not starting or ending with a dash (e.g. \`${example}\`)`,
  });

/** What people write after `@` to pick an agent. */
export const AgentName = slug("agent", "accounting");
export type AgentName = z.infer<typeof AgentName>;

/** What people write after `@skill:` to attach a skill to one task. */
export const SkillName = slug("skill", "cookie-walls");
export type SkillName = z.infer<typeof SkillName>;

/**
 * The host's tools an agent may be allowed. `computer` is every agent's (a
 * task works on a desktop); `memory` is memory_search and memory_save. The
 * tools beyond the screen (`shell`, `files`, `browser`, `web`, `mcp`,
 * `mcp:<server>`) are allowed by name too, and offered only where the
 * desktop's host allows them as well.
 */
export const AGENT_TOOLS = ["computer", "ask_human", "type_secret", "memory"] as const;
export type ScreenTool = (typeof AGENT_TOOLS)[number];
export const AgentTool = z.union([z.enum(AGENT_TOOLS), HostToolId]);
export type AgentTool = z.infer<typeof AgentTool>;

/** The tool group each host tool name belongs to (the allow-list is by group). */
export const TOOL_GROUPS: Readonly<Record<string, AgentTool>> = {
  computer: "computer",
  ask_human: "ask_human",
  type_secret: "type_secret",
  memory_search: "memory",
  memory_save: "memory",
};

/** `last`: a new task starts with a summary of the previous task on the same desktop. */
export const ContinueFrom = z.enum(["last", "none"]);
export type ContinueFrom = z.infer<typeof ContinueFrom>;

/** The most characters of an agent's instructions, a skill's body, or the user profile. */
export const MAX_INSTRUCTIONS_CHARS = 20_000;
export const MAX_SKILL_BODY_CHARS = 20_000;
export const MAX_USER_PROFILE_CHARS = 10_000;
/** Skills one agent may carry (each goes into every prompt of its tasks). */
export const MAX_AGENT_SKILLS = 20;

const limits = {
  model: z.string().trim().min(1).max(100),
  maxSteps: z.number().int().min(1).max(10_000),
  budgetUsd: z.number().positive().max(10_000),
};

const toolsIncludeComputer = (tools: readonly AgentTool[] | undefined | null) => !tools || tools.includes("computer");
const COMPUTER_REQUIRED = { message: "tools must include `computer`: every task works on a desktop", path: ["tools"] };
const oneTarget = (b: { desktopId?: unknown; labels?: unknown[] | null }) => !(b.desktopId && b.labels && b.labels.length > 0);
const ONE_TARGET = { message: "give either desktopId or labels as the default target, not both" };

const agentFields = {
  description: z.string().trim().min(1, { message: "description must not be empty: the supervisor picks agents by it" }).max(500),
  instructions: z.string().trim().max(MAX_INSTRUCTIONS_CHARS, { message: `instructions must be at most ${MAX_INSTRUCTIONS_CHARS} characters` }),
  tools: z.array(AgentTool).min(1).max(24),
  skills: z.array(SkillName).max(MAX_AGENT_SKILLS, { message: `an agent carries at most ${MAX_AGENT_SKILLS} skills` }),
  labels: z.array(Label).max(32),
};

export const CreateAgentBody = z
  .strictObject({
    name: AgentName,
    description: agentFields.description,
    instructions: agentFields.instructions.optional(),
    model: limits.model.optional(),
    tools: agentFields.tools.optional().describe("Host tools the agent may use (default: all); must include computer"),
    skills: agentFields.skills.optional(),
    desktopId: DesktopId.optional().describe("Default target: this desktop"),
    labels: agentFields.labels.optional().describe("Default target: any desktop with all these labels"),
    maxSteps: limits.maxSteps.optional(),
    budgetUsd: limits.budgetUsd.optional(),
    selfHealing: z.boolean().optional(),
    continueFrom: ContinueFrom.optional(),
    mcpServers: ProfileMcpServers.optional(),
  })
  .refine((b) => toolsIncludeComputer(b.tools), COMPUTER_REQUIRED)
  .refine(oneTarget, ONE_TARGET);
export type CreateAgentBody = z.infer<typeof CreateAgentBody>;

/** Every field optional; `null` clears an optional setting. An agent's name is its identity and does not change. */
export const UpdateAgentBody = z
  .strictObject({
    description: agentFields.description.optional(),
    instructions: agentFields.instructions.optional(),
    model: limits.model.nullable().optional(),
    tools: agentFields.tools.optional(),
    skills: agentFields.skills.optional(),
    desktopId: DesktopId.nullable().optional(),
    labels: agentFields.labels.optional(),
    maxSteps: limits.maxSteps.nullable().optional(),
    budgetUsd: limits.budgetUsd.nullable().optional(),
    selfHealing: z.boolean().nullable().optional(),
    continueFrom: ContinueFrom.optional(),
    /** The whole set (`{}` removes them all). */
    mcpServers: ProfileMcpServers.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: "send at least one field to change" })
  .refine((b) => toolsIncludeComputer(b.tools), COMPUTER_REQUIRED)
  .refine(oneTarget, ONE_TARGET);
export type UpdateAgentBody = z.infer<typeof UpdateAgentBody>;

export const Agent = z.object({
  name: AgentName,
  description: z.string(),
  instructions: z.string(),
  model: z.string().nullable(),
  tools: z.array(AgentTool),
  skills: z.array(SkillName),
  target: z.object({ desktopId: DesktopId.nullable(), labels: z.array(Label) }),
  maxSteps: z.number().int().nullable(),
  budgetUsd: z.number().nullable(),
  selfHealing: z.boolean().nullable(),
  continueFrom: ContinueFrom,
  /** MCP servers its tasks connect to (header and env values as written: vault references, never values). */
  mcpServers: ProfileMcpServers,
  createdBy: z.string().nullable(),
  createdAt: EpochMs,
  updatedAt: EpochMs,
});
export type Agent = z.infer<typeof Agent>;

/** A draft of an agent's prompt-shaping fields, for the system prompt preview. */
export const AgentPreviewBody = z.strictObject({
  name: AgentName.optional(),
  instructions: agentFields.instructions.optional(),
  skills: agentFields.skills.optional(),
  tools: agentFields.tools.optional(),
});
export type AgentPreviewBody = z.infer<typeof AgentPreviewBody>;

export const AgentPreview = z.object({
  /** The system prompt a host would send for a task of this agent (on an example 1366×768 Linux desktop). */
  system: z.string(),
  /** Its size in tokens, and how it was counted: by Anthropic's token counting API, or estimated (no API key). */
  tokens: z.number().int().nonnegative(),
  counted: z.enum(["anthropic", "estimate"]),
});
export type AgentPreview = z.infer<typeof AgentPreview>;

// ---- skills

const skillFields = {
  description: z.string().trim().min(1, { message: "description must not be empty" }).max(500),
  body: z.string().trim().min(1, { message: "body must not be empty" }).max(MAX_SKILL_BODY_CHARS, { message: `a skill's body is at most ${MAX_SKILL_BODY_CHARS} characters` }),
  reason: z.string().trim().min(1).max(500),
};

export const CreateSkillBody = z.strictObject({
  name: SkillName,
  description: skillFields.description,
  body: skillFields.body.describe("Markdown instructions, e.g. how to get past a site's cookie wall"),
  reason: skillFields.reason.optional(),
});
export type CreateSkillBody = z.infer<typeof CreateSkillBody>;

/** A change of description or body is a new version (with the optional `reason`). */
export const UpdateSkillBody = z
  .strictObject({ description: skillFields.description.optional(), body: skillFields.body.optional(), reason: skillFields.reason.optional() })
  .refine((b) => b.description !== undefined || b.body !== undefined, { message: "send description or body to change" });
export type UpdateSkillBody = z.infer<typeof UpdateSkillBody>;

export const Skill = z.object({
  name: SkillName,
  description: z.string(),
  body: z.string(),
  version: z.number().int().positive(),
  /** Agents that carry this skill. */
  usedBy: z.array(AgentName),
  createdBy: z.string().nullable(),
  createdAt: EpochMs,
  updatedAt: EpochMs,
});
export type Skill = z.infer<typeof Skill>;

export const SkillVersion = z.object({
  version: z.number().int().positive(),
  description: z.string(),
  body: z.string(),
  /** The identity id of who made the change. */
  author: z.string(),
  reason: z.string().nullable(),
  current: z.boolean(),
  createdAt: EpochMs,
});
export type SkillVersion = z.infer<typeof SkillVersion>;

// ---- the user profile

/** "About the people this fleet works for": names, time zone, preferences; in every agent's and the supervisor's prompt. */
export const UserProfile = z.object({
  text: z.string(),
  updatedBy: z.string().nullable(),
  updatedAt: EpochMs.nullable(),
});
export type UserProfile = z.infer<typeof UserProfile>;

export const PutUserProfileBody = z.strictObject({
  text: z.string().trim().max(MAX_USER_PROFILE_CHARS, { message: `the user profile is at most ${MAX_USER_PROFILE_CHARS} characters` }),
});

// ---- what a host receives

/** The prompt-shaping part of a task's agent, resolved by the control plane when it assigns the task. */
export const AgentProfile = z.object({
  agent: z.object({ name: AgentName, instructions: z.string().max(MAX_INSTRUCTIONS_CHARS) }).nullable(),
  /** The agent's skills, then the ones the prompt named with `@skill:name`. */
  skills: z.array(z.object({ name: SkillName, description: z.string().max(500), body: z.string().max(MAX_SKILL_BODY_CHARS) })).max(MAX_AGENT_SKILLS * 2),
  userProfile: z.string().max(MAX_USER_PROFILE_CHARS).nullable(),
});
export type AgentProfile = z.infer<typeof AgentProfile>;

// ---- mentions

/**
 * A leading `@name` picks the agent (the dashboard's Run box, Telegram):
 * `@accounting file the invoice` → agent `accounting`, prompt `file the invoice`.
 * `@skill:…` is not an agent mention.
 */
export function parseAgentMention(text: string): { agent: string; prompt: string } | null {
  const m = /^\s*@([a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?)(?=\s|$)\s*/i.exec(text);
  if (!m) return null;
  return { agent: m[1]!.toLowerCase(), prompt: text.slice(m[0].length).trim() };
}

/** The skill names a prompt attaches with `@skill:name`, in order of first mention. */
export function skillMentions(prompt: string): string[] {
  const names = [...prompt.matchAll(/(?:^|[^\w@])@skill:([a-z0-9][a-z0-9-]*)/gi)].map((m) => m[1]!.toLowerCase());
  return [...new Set(names)];
}
