/**
 * npm run telegram:webhook -- --url https://deskfleet.example.workers.dev [--drop-pending-updates]
 *
 * Registers the Worker's /telegram/webhook with Telegram (secret token, allowed updates) and the
 * bot's commands. Reads TELEGRAM_BOT_TOKEN and TELEGRAM_WEBHOOK_SECRET from the environment (or
 * .dev.vars), the URL from --url or DESKFLEET_PUBLIC_URL, and honours TELEGRAM_API_ROOT.
 * Never prints the token or the secret.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ROOT, parseEnvFile } from "./lib/local-control-plane.ts";
import { checkRegistration, registerWebhook } from "./lib/telegram-webhook.ts";

const { values } = parseArgs({
  options: { url: { type: "string" }, "drop-pending-updates": { type: "boolean", default: false }, "vars-file": { type: "string" } },
});
const envFile = values["vars-file"] ?? join(ROOT, ".dev.vars");
const fileVars = existsSync(envFile) ? parseEnvFile(readFileSync(envFile, "utf8")) : {};
const get = (name: string) => process.env[name] || fileVars[name] || "";

const registration = {
  token: get("TELEGRAM_BOT_TOKEN"),
  secret: get("TELEGRAM_WEBHOOK_SECRET"),
  url: values.url ?? get("DESKFLEET_PUBLIC_URL"),
  apiRoot: get("TELEGRAM_API_ROOT") || undefined,
  dropPendingUpdates: values["drop-pending-updates"],
};
const problems = checkRegistration(registration);
if (problems.length) {
  console.error(`Cannot register the Telegram webhook:\n- ${problems.join("\n- ")}`);
  process.exit(2);
}
try {
  const done = await registerWebhook(registration);
  console.log(`Telegram webhook set to ${done.url} (updates: ${done.allowedUpdates.join(", ")}); ${done.commands} commands registered.`);
  console.log("Remember: only chats in TELEGRAM_ALLOWED_CHAT_IDS are served. Write to the bot to learn a chat's id.");
} catch (err) {
  // grammY's errors name the method and Telegram's description, never the token.
  console.error(`Telegram refused: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
