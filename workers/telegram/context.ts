import type { Context } from "grammy";
import type { Role } from "@deskfleet/protocol";

/** An update's context, with the role of the person behind it (set by `allowedUsersOnly`). */
export type BotContext = Context & { role: Role };

/** Whether the person may act (run, cancel, answer, talk to the supervisor), not only read. */
export const mayAct = (ctx: BotContext): boolean => ctx.role === "operator" || ctx.role === "admin";

/** What a viewer is told when they try to act: they read here, they do not act. */
export function viewerRefusal(ctx: BotContext, what: string): string {
  const id = ctx.from?.id ?? "?";
  return `You can read here but not act: ${what} needs the operator role. An admin can list you as operator:${id} in TELEGRAM_ALLOWED_USER_IDS.`;
}
