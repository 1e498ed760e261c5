import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { webhookCallback } from "grammy";
import { z } from "zod";
import type { AppEnv } from "../app-env.ts";
import { ApiError } from "../../domain/api-error.ts";
import { botInfoFor } from "../../domain/telegram/api.ts";
import { createBot } from "./bot.ts";
import { telegramConfig } from "../../domain/telegram/config.ts";
import { withinLimit } from "../http/rate-limits.ts";
import { authFailure } from "../auth/authenticate.ts";

const SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token";
const MAX_UPDATE_BYTES = 1024 * 1024;
// Telegram waits about a minute for an answer; stop holding the update well before that.
const HANDLER_TIMEOUT_MS = 50_000;

/** Only the envelope is checked here; grammY reads the rest, and unknown fields are Telegram's to add. */
const UpdateEnvelope = z.looseObject({ update_id: z.number().int().nonnegative() });

const ChatOf = z.object({ chat: z.object({ id: z.number().int() }) });
const Routed = z.looseObject({ message: ChatOf.optional(), edited_message: ChatOf.optional(), callback_query: z.looseObject({ message: ChatOf.optional() }).optional() });

/** The chat an update comes from, for its rate limit (null when it names none). */
function chatOfUpdate(update: unknown): number | null {
  const r = Routed.safeParse(update);
  if (!r.success) return null;
  return r.data.message?.chat.id ?? r.data.edited_message?.chat.id ?? r.data.callback_query?.message?.chat.id ?? null;
}

/** Constant-time comparison, so the secret cannot be guessed byte by byte from response times. */
function sameSecret(given: string | undefined, expected: string): boolean {
  const a = new TextEncoder().encode(given ?? "");
  const b = new TextEncoder().encode(expected);
  let diff = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) diff |= (a[i] ?? 0) ^ b[i]!;
  return diff === 0;
}

export const telegramWebhook = new Hono<AppEnv>().post(
  "/telegram/webhook",
  bodyLimit({
    maxSize: MAX_UPDATE_BYTES,
    onError: () => {
      throw new ApiError(413, "payload_too_large", "a Telegram update is at most 1 MiB");
    },
  }),
  async (c) => {
    const cfg = telegramConfig(c.env);
    if (!cfg || !cfg.webhookSecret) {
      throw new ApiError(404, "telegram_not_configured", "Telegram is not configured here: set TELEGRAM_BOT_TOKEN and TELEGRAM_WEBHOOK_SECRET, then run npm run telegram:webhook");
    }
    if (!sameSecret(c.req.header(SECRET_HEADER), cfg.webhookSecret)) {
      throw await authFailure(c, new ApiError(401, "unauthorized", `missing or wrong ${SECRET_HEADER} header`));
    }
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      throw new ApiError(400, "invalid_json", "the body is not a JSON Telegram update");
    }
    const envelope = UpdateEnvelope.safeParse(body);
    if (!envelope.success) throw new ApiError(400, "invalid_update", "the body is not a Telegram update: it needs an integer update_id");
    // A chat over its limit is acknowledged and dropped: a non-2xx answer would make Telegram
    // redeliver it and hold back every other chat's updates behind it.
    const chatId = chatOfUpdate(envelope.data);
    if (chatId !== null && !(await withinLimit(c.env, "LIMIT_TELEGRAM", String(chatId)))) {
      console.warn("telegram: chat", chatId, "is over its rate limit; update", envelope.data.update_id, "dropped");
      return c.json({ ok: true, dropped: "rate_limited" }, 200);
    }
    const bot = createBot(c.env, cfg, await botInfoFor(cfg));
    const handle = webhookCallback(bot, "cloudflare-mod", { secretToken: cfg.webhookSecret, onTimeout: "return", timeoutMilliseconds: HANDLER_TIMEOUT_MS });
    // grammY reads the body itself (and checks the secret again).
    const request = new Request(c.req.url, { method: "POST", headers: { "content-type": "application/json", [SECRET_HEADER]: cfg.webhookSecret }, body: JSON.stringify(envelope.data) });
    return handle(request);
  },
);
