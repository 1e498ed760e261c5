import { Api } from "grammy";
import { TELEGRAM_COMMANDS } from "../../workers/telegram/command-list.ts";

export const WEBHOOK_PATH = "/telegram/webhook";
export const ALLOWED_UPDATES = ["message", "edited_message", "callback_query"] as const;

export type WebhookRegistration = {
  token: string;
  secret: string;
  /** The deployment's public URL; `/telegram/webhook` is added unless it is already there. */
  url: string;
  apiRoot?: string;
  dropPendingUpdates?: boolean;
};

export function webhookUrl(publicUrl: string): string {
  const u = new URL(publicUrl);
  if (!u.pathname.endsWith(WEBHOOK_PATH)) u.pathname = `${u.pathname.replace(/\/+$/, "")}${WEBHOOK_PATH}`;
  return u.toString();
}

/** Checks what Telegram would refuse, with a message that says how to fix it. */
export function checkRegistration(r: Partial<WebhookRegistration>): string[] {
  const problems: string[] = [];
  if (!r.token) problems.push("TELEGRAM_BOT_TOKEN is not set (the token from @BotFather)");
  else if (!/^\d+:[A-Za-z0-9_-]{20,}$/.test(r.token)) problems.push("TELEGRAM_BOT_TOKEN does not look like a bot token (<digits>:<secret>)");
  if (!r.secret) problems.push("TELEGRAM_WEBHOOK_SECRET is not set (1-256 characters of A-Z a-z 0-9 _ -)");
  else if (!/^[A-Za-z0-9_-]{1,256}$/.test(r.secret)) problems.push("TELEGRAM_WEBHOOK_SECRET may only use A-Z a-z 0-9 _ - (1-256 characters)");
  if (!r.url) problems.push("the public URL is missing: pass --url https://<your worker> or set DESKFLEET_PUBLIC_URL");
  else {
    try {
      new URL(r.url);
    } catch {
      problems.push(`the public URL ${r.url} is not a URL`);
    }
  }
  return problems;
}

/** setWebhook (URL, secret, allowed updates) and setMyCommands; returns what Telegram now has. */
export async function registerWebhook(r: WebhookRegistration): Promise<{ url: string; allowedUpdates: string[]; commands: number }> {
  const api = new Api(r.token, r.apiRoot ? { apiRoot: r.apiRoot } : {});
  const url = webhookUrl(r.url);
  await api.setWebhook(url, { secret_token: r.secret, allowed_updates: [...ALLOWED_UPDATES], drop_pending_updates: r.dropPendingUpdates ?? false });
  await api.setMyCommands(TELEGRAM_COMMANDS.map((c) => ({ command: c.command, description: c.description })));
  const info = await api.getWebhookInfo();
  return { url: info.url ?? url, allowedUpdates: info.allowed_updates ?? [...ALLOWED_UPDATES], commands: TELEGRAM_COMMANDS.length };
}
