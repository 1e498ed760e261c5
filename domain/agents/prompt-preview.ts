import Anthropic from "@anthropic-ai/sdk";
import type { AgentPreview, AgentPreviewBody, AgentProfile } from "@deskfleet/protocol";
import { buildSystemPrompt, estimateTokens, PREVIEW_DESKTOP } from "@deskfleet/protocol";
import { unprocessable } from "../api-error.ts";
import { skillNames, skillsByName } from "../../db/skills.ts";
import { supervisorConfigured, supervisorModel } from "../supervisor/model-client.ts";
import { userProfileText } from "./user-profile.ts";

/**
 * The system prompt a task of a (draft) agent would get — the host builds it
 * with the same function — and its size: counted by Anthropic's token
 * counting API when ANTHROPIC_API_KEY is set (free, not a model call),
 * estimated otherwise. The count is of the prompt with a one-word message.
 */
export async function previewSystemPrompt(env: Env, draft: AgentPreviewBody): Promise<AgentPreview> {
  const names = [...new Set(draft.skills ?? [])];
  const rows = await skillsByName(env.DB, names);
  const missing = names.filter((n) => !rows.some((r) => r.name === n));
  if (missing.length > 0) {
    const known = await skillNames(env.DB);
    throw unprocessable("unknown_skill", `no skill named ${missing.map((s) => `\`${s}\``).join(", ")}; ${known.length ? `skills: ${known.join(", ")}` : "there are no skills yet"}`);
  }
  const profile: AgentProfile = {
    agent: { name: draft.name ?? "draft", instructions: draft.instructions ?? "" },
    skills: names.flatMap((n) => rows.filter((r) => r.name === n).map((r) => ({ name: r.name, description: r.description, body: r.body }))),
    userProfile: await userProfileText(env),
  };
  const system = buildSystemPrompt({ profile, desktop: PREVIEW_DESKTOP, now: Date.now(), ...(draft.tools ? { tools: draft.tools } : {}) });
  if (!supervisorConfigured(env)) return { system, tokens: estimateTokens(system), counted: "estimate" };
  try {
    const client = new Anthropic({ apiKey: env.ANTHROPIC_API_KEY, baseURL: env.ANTHROPIC_BASE_URL || undefined, maxRetries: 1, timeout: 15_000 });
    const counted = await client.messages.countTokens({ model: supervisorModel(env), system, messages: [{ role: "user", content: "Go." }] });
    return { system, tokens: counted.input_tokens, counted: "anthropic" };
  } catch (err) {
    // The preview is still useful with an estimate; the editor says which it shows.
    console.error("token counting failed; estimating", err instanceof Error ? err.message : String(err));
    return { system, tokens: estimateTokens(system), counted: "estimate" };
  }
}
