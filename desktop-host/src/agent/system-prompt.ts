import type { AgentProfile, AgentTool } from "@deskfleet/protocol";
import { buildSystemPrompt as buildPrompt } from "@deskfleet/protocol";
import type { DesktopInfo } from "./desktop.ts";

// The system prompt: the task's agent profile (instructions, skills, user
// profile) first, then the desktop's public facts and how to work; the text
// itself is built by the protocol package, which the dashboard's preview uses
// too. Nothing here may come from configuration that can hold secrets.

export type SystemPromptInput = {
  desktop: DesktopInfo;
  /** Epoch ms; only the date is used, so the prompt (and its cache entry) changes at most daily. */
  now: number;
  profile?: AgentProfile | null;
  tools?: readonly AgentTool[];
  /** Extra operator guidance appended verbatim (e.g. house rules for this fleet). */
  extra?: string;
};

export function buildSystemPrompt(input: SystemPromptInput): string {
  const { os, model } = input.desktop;
  return buildPrompt({
    profile: input.profile ?? null,
    desktop: { os, width: model.width, height: model.height },
    now: input.now,
    ...(input.tools ? { tools: input.tools } : {}),
    ...(input.extra ? { extra: input.extra } : {}),
  });
}
