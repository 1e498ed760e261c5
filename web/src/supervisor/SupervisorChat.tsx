import { useState } from "react";
import { useCan } from "../auth/session.ts";
import { conversationId, startNewConversation } from "./conversation-id.ts";
import { SupervisorChatView } from "./SupervisorChatView.tsx";
import { useSupervisorChat } from "./use-supervisor-chat.ts";
import { decideProposal } from "../approvals/types.ts";

/** This tab's conversation with the supervisor, live. */
export function SupervisorChat({ compact = false }: { compact?: boolean }) {
  const [id, setId] = useState(() => conversationId());
  const chat = useSupervisorChat(id);
  const canSend = useCan("operator");
  return (
    <SupervisorChatView
      {...chat}
      canSend={canSend}
      onSend={chat.send}
      // The decision comes back on the conversation's live feed as its own entry.
      onDecideProposal={canSend ? async (proposalId, approve) => void (await decideProposal(proposalId, approve)) : undefined}
      onNewConversation={() => setId(startNewConversation())}
      compact={compact}
    />
  );
}

/** Any stored conversation by its id, live but read-only: its own channel (Telegram, a job) is where people write to it. */
export function SupervisorTranscript({ id }: { id: string }) {
  const chat = useSupervisorChat(id);
  return <SupervisorChatView {...chat} canSend={false} onSend={async () => undefined} />;
}
