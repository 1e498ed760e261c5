import type { Api } from "grammy";
import type { TelegramConfig } from "../../../domain/telegram/config.ts";

/** Telegram lets a bot download files up to 20 MB (getFile refuses bigger ones). */
export const TELEGRAM_DOWNLOAD_LIMIT = 20 * 1024 * 1024;

/**
 * A file's bytes through getFile and the Bot API file endpoint. The endpoint's URL holds the bot
 * token, so it is built here, used once, and never logged, stored or shown.
 */
export async function downloadTelegramFile(api: Api, cfg: TelegramConfig, fileId: string): Promise<Uint8Array> {
  const file = await api.getFile(fileId);
  if (!file.file_path) throw new Error("Telegram gave no file_path for the file");
  let res: Response;
  try {
    res = await fetch(`${cfg.apiRoot}/file/bot${cfg.token}/${file.file_path}`);
  } catch {
    // A network error's message may quote the URL, token and all: say what failed without it.
    throw new Error("Telegram's file endpoint could not be reached");
  }
  if (!res.ok) throw new Error(`Telegram's file endpoint answered ${res.status}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (bytes.length > TELEGRAM_DOWNLOAD_LIMIT) throw new Error("the file is larger than Telegram's 20 MB download limit");
  return bytes;
}
