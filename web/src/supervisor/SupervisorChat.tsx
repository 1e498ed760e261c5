import { useState } from "react";
import { useCan } from "../auth/session.ts";
import { conversationId, startNewConversation } from "./conversation-id.ts";
import { SupervisorChatView } from "./SupervisorChatView.tsx";
import { useSupervisorChat } from "./use-supervisor-chat.ts";
import { decideProposal } from "../approvals/types.ts";

/**
 * This tab's conversation with the supervisor, live; or, with `conversation` (a Telegram chat's
 * `telegram:<chatId>`), that conversation to read: people write to it in its own channel.
 */
export function SupervisorChat({ compact = false, conversation = null }: { compact?: boolean; conversation?: string | null }) {
  const [own, setId] = useState(() => conversationId());
  const readOnly = conversation !== null && !conversation.startsWith("dash:");
  const id = conversation ?? own;
  const chat = useSupervisorChat(id);
  const operator = useCan("operator");
  const canSend = operator && !readOnly;
  return (
    <SupervisorChatView
      {...chat}
      canSend={canSend}
      onSend={chat.send}
      // The decision comes back on the conversation's live feed as its own entry.
      readOnlyNote={readOnly ? `People write to this conversation in its own channel (${id.split(":")[0]}); here you read it.` : undefined}
      onDecideProposal={operator ? async (proposalId, approve) => void (await decideProposal(proposalId, approve)) : undefined}
      onNewConversation={conversation === null ? () => setId(startNewConversation()) : undefined}
      compact={compact}
    />
  );
}
