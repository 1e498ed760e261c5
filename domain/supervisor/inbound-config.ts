/** Settings and addresses of people's messages with files (README: configuration, Telegram). */

/** An album's parts come as separate updates; they are one message once none has come for this long. */
export const DEFAULT_ALBUM_WINDOW_MS = 1_500;

export function albumWindowMs(env: Env): number {
  const raw = Number(env.TELEGRAM_ALBUM_WINDOW_MS);
  return Number.isFinite(raw) && raw >= 100 && raw <= 60_000 ? raw : DEFAULT_ALBUM_WINDOW_MS;
}

/** The authenticated route that serves a conversation's file to people (the dashboard), by its id. */
export const attachmentUrl = (conversationId: string, fileId: string): string =>
  `/api/supervisor/conversations/${encodeURIComponent(conversationId)}/files/${encodeURIComponent(fileId)}`;
