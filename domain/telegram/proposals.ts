import type { Proposal } from "@deskfleet/protocol";
import type { InlineKeyboardButton, InlineKeyboardMarkup } from "grammy/types";
import { addProposalMessage, deleteProposalMessage, proposalMessagesOf, setProposalMessageId } from "../../db/telegram.ts";
import { editLines, sendLines, telegramApi } from "./api.ts";
import { telegramConfig } from "./config.ts";
import { blank, bold, code, italic, line, paragraph, type RichLine } from "./rich-text.ts";
import { openDesktopButton } from "./open-desktop-button.ts";

/** Callback data of a proposal's buttons: `p:<row id>:a` (approve) or `p:<row id>:r` (reject), well within 64 bytes. */
export const proposalCallbackData = (rowId: number, choice: "a" | "r"): string => `p:${rowId}:${choice}`;
export const PROPOSAL_CALLBACK = /^p:(\d{1,15}):(a|r)$/;

/** The proposed prompt in a message stays short; the dashboard shows the whole diff. */
const PROMPT_CHARS = 1_500;

const when = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
const clip = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

function keyboard(rowId: number, open: InlineKeyboardButton | null): InlineKeyboardMarkup {
  const decide = [{ text: "Approve", callback_data: proposalCallbackData(rowId, "a") }, { text: "Reject", callback_data: proposalCallbackData(rowId, "r") }];
  return { inline_keyboard: open ? [decide, [open]] : [decide] };
}

/** The desktop a proposal would act on (input, a command, a task pinned to it), to look at before deciding. */
function desktopOf(p: Proposal): string | null {
  for (const key of ["desktop", "desktopId"]) {
    const v = p.input[key];
    if (typeof v === "string" && v) return v;
  }
  return null;
}

export function proposalLines(p: Proposal): RichLine[] {
  const lines: RichLine[] = [
    line(bold("🛡 Approval needed"), " · ", code(p.tool), p.taskId ? " · job task " : "", p.taskId ? code(p.taskId) : ""),
    ...paragraph(p.summary),
    line(italic("Why it waits: "), p.why),
  ];
  if (p.reason) lines.push(line(italic("The supervisor's reason: "), p.reason));
  if (p.diff) lines.push(blank, line(bold("Proposed prompt")), ...paragraph(clip(p.diff.after, PROMPT_CHARS)));
  lines.push(blank, line("From ", code(p.conversationId), ` · expires ${when(p.expiresAt)} · `, code(p.id)));
  return lines;
}

/** How a decided proposal reads in place of its buttons. */
export function decisionLines(p: Proposal): RichLine[] {
  const head =
    p.status === "approved" ? `✅ Approved by ${p.decidedBy ?? "someone"}` : p.status === "rejected" ? `🚫 Rejected by ${p.decidedBy ?? "someone"}` : p.status === "expired" ? "⌛ Expired: nobody decided in time" : "Waiting";
  const lines = [line(bold(head), " · ", code(p.tool)), ...paragraph(p.summary)];
  if (p.error) lines.push(line("⚠️ Carrying it out failed: ", p.error.message.slice(0, 500)));
  lines.push(line(code(p.id)));
  return lines;
}

/**
 * Posts a proposal to every allowed chat with Approve / Reject buttons; each post is remembered so
 * a button press finds the proposal again and the message can show the decision. Never throws.
 */
export async function sendProposal(env: Env, p: Proposal): Promise<void> {
  const cfg = telegramConfig(env);
  if (!cfg || cfg.allowedChats.size === 0) return;
  const api = telegramApi(cfg);
  for (const chatId of cfg.allowedChats) {
    // The row id goes into the buttons, so the row exists first; a unique placeholder stands in for the message id.
    const row = await addProposalMessage(env.DB, { proposalId: p.id, chatId, messageId: -Date.now() - Math.floor(Math.random() * 1e6), createdAt: Date.now() });
    try {
      const desktop = desktopOf(p);
      const sent = await sendLines(api, chatId, proposalLines(p), keyboard(row.id, desktop ? openDesktopButton(env, chatId, desktop) : null));
      await setProposalMessageId(env.DB, row.id, sent.at(-1)!.message_id);
    } catch (err) {
      await deleteProposalMessage(env.DB, row.id);
      console.error("telegram: posting proposal", p.id, "to a chat failed:", err instanceof Error ? err.message : String(err));
    }
  }
}

/** Replaces each posted proposal's buttons with how it was decided. Never throws. */
export async function showProposalDecision(env: Env, p: Proposal): Promise<void> {
  const cfg = telegramConfig(env);
  if (!cfg) return;
  const api = telegramApi(cfg);
  for (const m of await proposalMessagesOf(env.DB, p.id)) {
    if (m.messageId < 0) continue;
    await editLines(api, m.chatId, m.messageId, decisionLines(p)).catch((err: unknown) =>
      console.error("telegram: showing the decision of", p.id, "failed:", err instanceof Error ? err.message : String(err)),
    );
  }
}
