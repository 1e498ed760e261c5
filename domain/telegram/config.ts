import type { UserFromGetMe } from "grammy/types";

export const DEFAULT_API_ROOT = "https://api.telegram.org";

export type TelegramConfig = {
  token: string;
  webhookSecret: string;
  apiRoot: string;
  allowedChats: ReadonlySet<number>;
  /** From TELEGRAM_BOT_INFO; null means getMe once per isolate. */
  botInfo: UserFromGetMe | null;
};

/** Comma-separated chat ids; anything that is not an integer id is ignored (and reported once by the caller). */
export function parseChatIds(raw: string | undefined): Set<number> {
  const ids = new Set<number>();
  for (const part of (raw ?? "").split(",")) {
    const s = part.trim();
    if (/^-?\d{1,16}$/.test(s)) ids.add(Number(s));
  }
  return ids;
}

function parseBotInfo(raw: string | undefined): UserFromGetMe | null {
  if (!raw?.trim()) return null;
  try {
    const v = JSON.parse(raw) as Partial<UserFromGetMe>;
    return typeof v.id === "number" && typeof v.username === "string" && v.is_bot === true ? (v as UserFromGetMe) : null;
  } catch {
    return null;
  }
}

/** Telegram is on when a bot token is set; the webhook additionally needs its secret. */
export function telegramConfig(env: Env): TelegramConfig | null {
  const token = env.TELEGRAM_BOT_TOKEN?.trim();
  if (!token) return null;
  return {
    token,
    webhookSecret: env.TELEGRAM_WEBHOOK_SECRET?.trim() ?? "",
    apiRoot: env.TELEGRAM_API_ROOT?.trim() || DEFAULT_API_ROOT,
    allowedChats: parseChatIds(env.TELEGRAM_ALLOWED_CHAT_IDS),
    botInfo: parseBotInfo(env.TELEGRAM_BOT_INFO),
  };
}
