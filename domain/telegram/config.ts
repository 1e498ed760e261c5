import type { UserFromGetMe } from "grammy/types";
import type { Role } from "@deskfleet/protocol";

export const DEFAULT_API_ROOT = "https://api.telegram.org";

export type TelegramConfig = {
  token: string;
  webhookSecret: string;
  apiRoot: string;
  allowedChats: ReadonlySet<number>;
  /** TELEGRAM_ALLOWED_USER_IDS: each allowed person's role; anyone else is refused. */
  users: UserRoles;
  /** From TELEGRAM_BOT_INFO; null means getMe once per isolate. */
  botInfo: UserFromGetMe | null;
};

/** The people the bot serves: a role per user id, and optionally one for anyone in an allowed chat (`viewer:*`). */
export type UserRoles = { byId: ReadonlyMap<number, Role>; anyone: Role | null };

const ROLES = new Set<string>(["viewer", "operator", "admin"]);

/**
 * `TELEGRAM_ALLOWED_USER_IDS`: `<role>:<user id>` entries, comma-separated (`operator:123,viewer:456`);
 * `<role>:*` gives that role to anyone in an allowed chat. Malformed entries are reported, never guessed at.
 */
export function parseUserRoles(raw: string | undefined): UserRoles & { problems: string[] } {
  const byId = new Map<number, Role>();
  let anyone: Role | null = null;
  const problems: string[] = [];
  for (const entry of (raw ?? "").split(",").map((s) => s.trim()).filter(Boolean)) {
    const m = /^([a-z]+):(\*|\d{1,16})$/i.exec(entry);
    const role = m?.[1]?.toLowerCase();
    if (!m || !role || !ROLES.has(role)) {
      problems.push(`TELEGRAM_ALLOWED_USER_IDS entry "${entry}" is not <viewer|operator|admin>:<user id>; it is ignored`);
      continue;
    }
    if (m[2] === "*") anyone = role as Role;
    else byId.set(Number(m[2]), role as Role);
  }
  return { byId, anyone, problems };
}

/** The role of a Telegram user, or null: not served. */
export const userRole = (users: UserRoles, userId: number): Role | null => users.byId.get(userId) ?? users.anyone;

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
    users: usersOf(env.TELEGRAM_ALLOWED_USER_IDS),
    botInfo: parseBotInfo(env.TELEGRAM_BOT_INFO),
  };
}

let parsedUsers: { raw: string | undefined; users: UserRoles } | null = null;

/** Parsed once per isolate (and again if the variable changes); problems are logged then. */
function usersOf(raw: string | undefined): UserRoles {
  if (parsedUsers && parsedUsers.raw === raw) return parsedUsers.users;
  const { problems, ...users } = parseUserRoles(raw);
  for (const p of problems) console.error(p);
  parsedUsers = { raw, users };
  return users;
}
