import type { InlineKeyboardButton } from "grammy/types";

let warned = false;

/** DESKFLEET_PUBLIC_URL without its trailing slash, when it is an https:// URL (Telegram opens Web Apps over https only). */
export function publicUrl(env: Env): string | null {
  const raw = env.DESKFLEET_PUBLIC_URL?.trim() ?? "";
  if (!raw) return null;
  if (!/^https:\/\/[^\s/]+(\/\S*)?$/.test(raw)) {
    if (!warned) console.error(`DESKFLEET_PUBLIC_URL "${raw.slice(0, 100)}" is not an https:// URL; the "Open desktop" button is left out (Telegram opens Mini Apps over https only)`);
    warned = true;
    return null;
  }
  return raw.replace(/\/+$/, "");
}

/**
 * "Open desktop" under a help request or an approval. In a private chat it opens the desktop Mini
 * App (`web_app`, which Telegram signs with initData); the Bot API allows `web_app` inline buttons
 * only in private chats, so in a group it is a `url` button to the dashboard's desktop page (sign-in
 * there as usual). Null without a public URL.
 */
export function openDesktopButton(env: Env, chatId: number, desktopId: string): InlineKeyboardButton | null {
  const base = publicUrl(env);
  if (!base) return null;
  const id = encodeURIComponent(desktopId);
  return chatId > 0 ? { text: "🖥 Open desktop", web_app: { url: `${base}/mini/desktops/${id}` } } : { text: "🖥 Open desktop", url: `${base}/desktops/${id}` };
}
