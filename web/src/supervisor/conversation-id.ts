const KEY = "deskfleet:supervisor-conversation";

/**
 * This browser tab's conversation with the supervisor (`dash:<uuid>`). Kept in
 * sessionStorage so a reload continues the chat and a new tab starts afresh;
 * the id is not a secret (the API checks the session), only a name.
 */
export function conversationId(storage: Storage = sessionStorage, makeId: () => string = () => crypto.randomUUID()): string {
  const saved = storage.getItem(KEY);
  if (saved && /^dash:[A-Za-z0-9_-]{1,100}$/.test(saved)) return saved;
  const id = `dash:${makeId()}`;
  storage.setItem(KEY, id);
  return id;
}

/** Forgets this tab's conversation: the next one starts empty. */
export function startNewConversation(storage: Storage = sessionStorage): string {
  storage.removeItem(KEY);
  return conversationId(storage);
}
