import { conversationKind } from "@deskfleet/protocol";
import type { Channel } from "./tools/tool.ts";

/**
 * Where a conversation's messages go besides its own transcript and live
 * feed: a Telegram chat for `telegram:` conversations. Null for dashboard
 * chats and jobs, whose people read the live feed.
 */
export function externalChannel(_env: Env, conversationId: string): Channel | null {
  if (conversationKind(conversationId) !== "telegram") return null;
  // The Telegram channel's outbound functions are wired in here once that channel is in the tree.
  return null;
}
