import type { HelpChannel, HelpRequest } from "@deskfleet/protocol";
import { notFound, unwrap } from "../api-error.ts";
import { getHelpRequest } from "../../db/help-requests.ts";
import { taskObject } from "../addresses.ts";

/**
 * Answers or dismisses a help request from any channel (dashboard, API,
 * Telegram, supervisor). The task's TaskDO decides atomically: the first
 * answer wins and a later one gets a 409 saying who answered and when.
 */
export async function resolveHelpRequest(
  env: Env,
  id: string,
  r: { answer: string | null; dismiss?: boolean; by: string; via: HelpChannel },
): Promise<HelpRequest> {
  const row = await getHelpRequest(env.DB, id);
  if (!row) throw notFound("help request", id);
  const status = r.dismiss ? "dismissed" : "answered";
  return unwrap(await taskObject(env, row.taskId).resolveHelp(id, { status, answer: r.dismiss ? null : r.answer, by: r.by, via: r.via }));
}
