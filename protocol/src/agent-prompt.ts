import { AGENT_TOOLS, type AgentProfile, type AgentTool } from "./agents.ts";

/**
 * The system prompt of a computer-use task, in one place: the host sends it,
 * and the dashboard's agent editor previews it (with its token count).
 *
 * The agent's instructions, its skills and the user profile come first, then
 * the desktop's facts and how to work. All of it is the same on every step of
 * a task, so the host marks it as one cached prefix: written on the first
 * model call, read on every later one. Nothing here may come from
 * configuration that can hold secrets (VNC passwords, tokens, the vault).
 */

export type DesktopFacts = {
  os: string;
  /** The screen as the model sees it. */
  width: number;
  height: number;
};

export type SystemPromptInput = {
  profile: AgentProfile | null;
  desktop: DesktopFacts;
  /** Epoch ms; only the date is used, so the prompt (and its cache entry) changes at most daily. */
  now: number;
  /** The tools the task may use; absent: all. */
  tools?: readonly AgentTool[];
  /** Extra operator guidance appended verbatim (the host's --system-prompt-extra). */
  extra?: string;
};

/** The desktop a preview shows the prompt for: the size most desktops are scaled to for the model. */
export const PREVIEW_DESKTOP: DesktopFacts = { os: "linux", width: 1366, height: 768 };

export function buildSystemPrompt(input: SystemPromptInput): string {
  const tools = new Set(input.tools ?? AGENT_TOOLS);
  const sections = profileSections(input.profile);
  const { os, width, height } = input.desktop;
  const date = new Date(input.now).toISOString().slice(0, 10);
  const lines = [
    "You are operating a computer on behalf of a user, through screenshots and mouse and keyboard actions.",
    `The computer runs ${os}. Its screen is shown to you at ${width}x${height} pixels; give every coordinate in that space.`,
    `Today's date is ${date}.`,
    "",
    "How to work:",
    "- Take a screenshot before acting when you are unsure of the screen's state, and after an action whose result you need to check.",
    "- Actions report only whether the screen visibly changed; they do not return a screenshot.",
    "- Use zoom to read small text instead of guessing.",
    "- Prefer keyboard shortcuts when they are reliable (ctrl+l for a browser's address bar).",
    tools.has("ask_human")
      ? "- If you need information or a decision only a person can give (a choice between options, a CAPTCHA), call ask_human. Do not guess passwords."
      : "- Nobody can be asked during this task: if you need information or a decision only a person can give, stop and say what is needed. Do not guess passwords.",
    ...(tools.has("type_secret")
      ? [
          "- Passwords, one-time codes and other credentials: type them with type_secret when the task has them (you never see their values)." +
            (tools.has("ask_human") ? " A code only a person has (sent to their phone): ask_human with secret: true, then type the answer with type_secret." : ""),
        ]
      : []),
    ...(tools.has("memory")
      ? ["- memory_search finds what earlier tasks learned (sites, errors, workflows); search before a step that failed before. Save one new, lasting insight with memory_save (not the task's result)."]
      : []),
    "- When the task is done, reply with a short final answer that states the result; that answer is reported to the user.",
  ];
  if (input.extra) lines.push("", input.extra);
  return sections.length > 0 ? [...sections, "# The computer", ...lines].join("\n") : lines.join("\n");
}

/** The agent's part, in the order: its instructions, its skills, the user profile. Empty without any of them. */
function profileSections(profile: AgentProfile | null): string[] {
  if (!profile) return [];
  const out: string[] = [];
  const instructions = profile.agent?.instructions.trim();
  if (profile.agent && instructions) out.push(`# Your role: ${profile.agent.name}`, instructions, "");
  if (profile.skills.length > 0) {
    out.push("# Skills", "Know-how for this work; follow a skill when its situation comes up.", "");
    for (const s of profile.skills) out.push(`## ${s.name}: ${s.description}`, s.body.trim(), "");
  }
  const user = profile.userProfile?.trim();
  if (user) out.push("# About the people you work for", user, "");
  return out;
}

/**
 * A rough token count for text, for when Anthropic's token counting API is
 * not configured: English prose runs about 4 characters a token, code and
 * markdown fewer; this errs high.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 3.5);
}
