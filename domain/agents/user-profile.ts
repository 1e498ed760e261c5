import type { UserProfile } from "@deskfleet/protocol";
import { audit } from "../../db/audit.ts";
import { getSetting, putSetting, USER_PROFILE } from "../../db/settings.ts";

/**
 * "About the people this fleet works for" (names, time zone, preferences):
 * one deployment-wide document in every agent's system prompt and the
 * supervisor's, edited in Settings or by telling the supervisor.
 */
export async function getUserProfile(env: Env): Promise<UserProfile> {
  const row = await getSetting(env.DB, USER_PROFILE);
  const text = typeof row?.value["text"] === "string" ? (row.value["text"] as string) : "";
  return { text, updatedBy: row?.updatedBy ?? null, updatedAt: row?.updatedAt ?? null };
}

export async function setUserProfile(env: Env, text: string, actor: string): Promise<UserProfile> {
  const row = await putSetting(env.DB, USER_PROFILE, { text: text.trim() }, actor, Date.now());
  await audit(env.DB, { actor, action: "user_profile.update", targetType: "setting", targetId: USER_PROFILE, details: { chars: text.trim().length } });
  return { text: String(row.value["text"] ?? ""), updatedBy: row.updatedBy, updatedAt: row.updatedAt };
}

/** The profile's text for a prompt, or null when nobody wrote one. */
export async function userProfileText(env: Env): Promise<string | null> {
  const { text } = await getUserProfile(env);
  return text.trim() ? text : null;
}
