import { Composer } from "grammy";
import { ApiError } from "../../domain/api-error.ts";
import { decideProposal } from "../../domain/supervisor/approvals/decide.ts";
import { getProposalMessage } from "../../db/telegram.ts";
import { PROPOSAL_CALLBACK } from "../../domain/telegram/proposals.ts";
import { mayAct, viewerRefusal, type BotContext } from "./context.ts";

const personOf = (ctx: BotContext) => {
  const u = ctx.from;
  const name = u ? [u.first_name, u.last_name].filter(Boolean).join(" ") + (u.username ? ` (@${u.username})` : "") : "someone";
  return { actor: `telegram:${u?.id ?? ctx.chat?.id}`, name };
};

/**
 * Approve / Reject on a proposal's message: decided through the same path as
 * `POST /api/proposals/:id/approve|reject` (its SupervisorDO decides, first
 * decision wins). The message itself then shows the decision instead of its buttons.
 */
export function proposalAnswers(env: Env): Composer<BotContext> {
  const c = new Composer<BotContext>();
  c.callbackQuery(PROPOSAL_CALLBACK, async (ctx) => {
    const [, rowId, choice] = ctx.match as RegExpMatchArray;
    const row = await getProposalMessage(env.DB, Number(rowId));
    // Buttons only ever decide the proposal they were posted for, from the chat they were posted to.
    if (!row || row.chatId !== ctx.chat?.id) return void (await ctx.answerCallbackQuery({ text: "This proposal is not known here." }));
    // Deciding is an operator's act, as through the API; a viewer in the chat reads only.
    if (!mayAct(ctx)) return void (await ctx.answerCallbackQuery({ text: viewerRefusal(ctx, "deciding a proposal").slice(0, 200) }));
    const { actor, name } = personOf(ctx);
    let text: string;
    try {
      const p = await decideProposal(env, row.proposalId, { approve: choice === "a", by: name, actor, via: "telegram" });
      text = p.status === "approved" ? (p.error ? `Approved, but carrying it out failed: ${p.error.message}` : "Approved and carried out.") : "Rejected.";
    } catch (err) {
      if (!(err instanceof ApiError && (err.status === 409 || err.status === 404))) throw err;
      text = `Not applied: ${err.message}`;
    }
    await ctx.answerCallbackQuery({ text: text.slice(0, 200) });
  });
  return c;
}
