/**
 * A fake Telegram Bot API server on 127.0.0.1: `POST /bot<token>/<method>` with JSON, urlencoded
 * or multipart parameters, validated as Telegram validates them, answered with real result objects,
 * and every call recorded. It can also play Telegram's side of a webhook: post Update payloads with
 * the `X-Telegram-Bot-Api-Secret-Token` header to the URL the bot registered.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Chat, Message, Update, UserFromGetMe } from "grammy/types";
import { BotApiError, notFound, unauthorized } from "./bot-api-error.ts";
import { METHODS } from "./methods.ts";
import { readParams } from "./params.ts";
import { BotWorld, type WebhookState } from "./state.ts";
import { callbackQuery, documentMessage, editedText, locationMessage, photoMessage, stickerMessage, textMessage, updateType, voiceMessage, type DocumentSpec, type UpdateBody } from "./updates.ts";
import { makeVoiceNote } from "../workers-bindings/audio.ts";

export interface FakeTelegramOptions {
  /** The bot's token; default a random one in Telegram's format. Calls with any other token get 401. */
  token?: string;
  /** Overrides of the bot's getMe answer. */
  bot?: Partial<UserFromGetMe>;
  port?: number;
  /** Accept `http://` webhook URLs (Telegram requires HTTPS). Default true: tests serve plain HTTP. */
  insecureWebhooks?: boolean;
  /** Private chats that exist from the start (otherwise a chat exists once its person writes). */
  chats?: { id: number; firstName?: string; username?: string }[];
  /** Group chats the bot is in (negative ids), with their members. */
  groups?: { id: number; title?: string; members: { id: number; firstName?: string; username?: string }[] }[];
}

/** One Bot API call, accepted or rejected. Uploaded files (also `attach://…`) appear as `{ file, name, type, bytes }`. */
export interface RecordedCall {
  method: string;
  params: Record<string, unknown>;
  contentType: string;
  status: number;
  ok: boolean;
  result: unknown;
  description: string | null;
  at: number;
}

/** One update posted to the webhook and what the bot's server answered. */
export interface Delivery {
  update: Update;
  status: number;
  body: string;
}

export interface FakeTelegram {
  /** The API root for clients: `new Bot(token, { client: { apiRoot: fake.url } })`. */
  url: string;
  port: number;
  token: string;
  botInfo: UserFromGetMe;
  /** Every call in order, accepted or not. */
  calls: RecordedCall[];
  /** Accepted calls of one method (case-insensitive, as Telegram's method names are). */
  callsOf(method: string): RecordedCall[];
  /** Calls Telegram rejected. */
  rejections(): RecordedCall[];
  /** Messages in a chat, both directions, in order. */
  messagesIn(chatId: number): Message[];
  /** Messages deleted with deleteMessage, as they were before. */
  deleted(): Message[];
  /** Messages the bot sent to a chat, in order. */
  sentTo(chatId: number): Message[];
  /** Waits until `check` returns something truthy; fails with `what` and the calls seen. */
  waitFor<T>(check: () => T | undefined | null | false, what: string, timeoutMs?: number): Promise<T>;
  webhook(): WebhookState | null;
  /** Sets the webhook as if the bot had called setWebhook. */
  useWebhook(w: { url: string; secretToken?: string | null; allowedUpdates?: string[] | null }): void;
  /** Makes a private chat exist (a person who has written to the bot). */
  chat(id: number, opts?: { firstName?: string; username?: string }): Chat;
  /** The person blocked the bot: sending to the chat gets 403. */
  block(chatId: number): void;
  /**
   * A person sends text (commands get their bot_command entity, @usernames a mention); `replyTo`
   * makes it a reply; `from` names the group member who speaks.
   */
  sendText(chatId: number, text: string, opts?: { replyTo?: number; from?: number }): Promise<Delivery>;
  sendPhoto(chatId: number, opts?: { caption?: string; width?: number; height?: number; replyTo?: number }): Promise<Delivery>;
  /** A person sends a file as a document (its bytes are what getFile and the file endpoint serve). */
  sendDocument(chatId: number, doc: DocumentSpec): Promise<Delivery>;
  /** A person records a voice note (Ogg Opus) saying `said` (what the Workers AI stand-in will hear). */
  sendVoice(chatId: number, v: { said: string; seconds?: number }): Promise<Delivery>;
  /** A person sends `count` photos as one album: one update per photo, one media_group_id, the caption on the first. */
  sendAlbum(chatId: number, a: { count: number; caption?: string }): Promise<Delivery[]>;
  sendSticker(chatId: number): Promise<Delivery>;
  sendLocation(chatId: number, latitude: number, longitude: number): Promise<Delivery>;
  /** A person edits their message `messageId` to `text` (an edited_message update). */
  editText(chatId: number, messageId: number, text: string): Promise<Delivery>;
  /** Downloads from `/file/bot<token>/<file_path>`, in order, with the status served. */
  downloads(): { path: string; status: number }[];
  /** The bot's reaction emoji on a message (setMessageReaction), [] when none. */
  reactionsOn(chatId: number, messageId: number): string[];
  /** A person (a group's member `from`) presses an inline button of a bot message. */
  pressButton(chatId: number, messageId: number, data: string, opts?: { from?: number }): Promise<Delivery>;
  /** Posts any update to the webhook; `secretToken` overrides the registered secret (null: no header). */
  deliver(body: UpdateBody, opts?: { secretToken?: string | null }): Promise<Delivery>;
  /**
   * Answers calls of `method` `ms` later than it carries them out (0: at once), as Telegram does on a
   * slow day: the message exists (and people can reply to it) before the bot learns its id.
   */
  slowResponses(method: string, ms: number): void;
  deliveries: Delivery[];
  close(): Promise<void>;
}

const MAX_BODY = 50 * 1024 * 1024;

function randomToken(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
  let secret = "AA";
  for (let i = 0; i < 33; i++) secret += alphabet[Math.floor(Math.random() * alphabet.length)];
  return `${7_000_000_000 + Math.floor(Math.random() * 900_000_000)}:${secret}`;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new BotApiError(413, "Request Entity Too Large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function recordable(raw: Record<string, unknown>, files: Map<string, { name: string; type: string; bytes: Uint8Array }>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    const field = typeof v === "object" && v !== null && "file" in v ? String((v as { file: unknown }).file)
      : typeof v === "string" && v.startsWith("attach://") ? v.slice("attach://".length)
      : null;
    const f = field === null ? undefined : files.get(field);
    out[k] = f ? { file: k, name: f.name, type: f.type, bytes: f.bytes } : v;
  }
  return out;
}

export async function startFakeTelegram(opts: FakeTelegramOptions = {}): Promise<FakeTelegram> {
  const token = opts.token ?? randomToken();
  const botId = Number(token.split(":")[0]);
  const me: UserFromGetMe = {
    id: botId, is_bot: true, first_name: "Deskfleet", username: "deskfleet_test_bot", can_join_groups: true,
    can_read_all_group_messages: false, supports_inline_queries: false, can_connect_to_business: false, has_main_web_app: false,
    ...opts.bot,
  } as UserFromGetMe;
  const world = new BotWorld(token, me);
  for (const c of opts.chats ?? []) world.ensurePrivateChat(c.id, c.firstName, c.username);
  for (const g of opts.groups ?? []) world.ensureGroup(g.id, g.title ?? `Group ${g.id}`, g.members);
  const options = { insecureWebhooks: opts.insecureWebhooks ?? true };
  const calls: RecordedCall[] = [];
  const deliveries: Delivery[] = [];
  const slow = new Map<string, number>();
  let nextUpdateId = 100_000_000 + Math.floor(Math.random() * 1_000_000);

  const answer = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    // The file endpoint: what getFile named, for this bot's token only; anything else 404 as Telegram answers.
    const file = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (file) {
      const f = file[1] === token ? world.filesByPath.get(decodeURIComponent(file[2]!)) : undefined;
      world.downloads.push({ path: file[2]!, status: f?.upload ? 200 : 404 });
      if (!f?.upload) return answer(res, 404, notFound().body());
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(f.upload.bytes.length) });
      res.end(Buffer.from(f.upload.bytes));
      return;
    }
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    if (!m) return answer(res, 404, notFound().body());
    const [, sentToken, methodName] = m;
    const method = Object.keys(METHODS).find((k) => k.toLowerCase() === methodName!.toLowerCase());
    const contentType = req.headers["content-type"] ?? "";
    const record = (status: number, params: Record<string, unknown>, result: unknown, description: string | null) =>
      calls.push({ method: method ?? methodName!, params, contentType, status, ok: status === 200, result, description, at: Date.now() });
    let params: Record<string, unknown> = {};
    try {
      const body = await readBody(req);
      if (sentToken !== token) throw unauthorized();
      if (!method) throw notFound();
      const request = new Request(url, { method: req.method, headers: req.headers as Record<string, string>, ...(body.length ? { body: new Uint8Array(body) } : {}) });
      const p = await readParams(request, url.searchParams);
      params = recordable(p.raw, p.files);
      const result = METHODS[method]!(p, world, options);
      record(200, params, result, null);
      const lag = slow.get(method.toLowerCase()) ?? 0;
      if (lag > 0) await new Promise((r) => setTimeout(r, lag));
      answer(res, 200, { ok: true, result });
    } catch (err) {
      const e = err instanceof BotApiError ? err : new BotApiError(500, `Internal Server Error: ${err instanceof Error ? err.message : String(err)}`);
      record(e.errorCode, params, null, e.description);
      answer(res, e.errorCode, e.body());
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => answer(res, 500, { ok: false, error_code: 500, description: String(err) }));
  });
  await new Promise<void>((ok) => server.listen(opts.port ?? 0, "127.0.0.1", ok));
  const port = (server.address() as AddressInfo).port;

  const deliver = async (body: UpdateBody, o: { secretToken?: string | null } = {}): Promise<Delivery> => {
    const hook = world.webhook;
    if (!hook) throw new Error("fake-telegram: no webhook is set; call setWebhook (npm run telegram:webhook) or fake.useWebhook()");
    const type = updateType(body);
    if (hook.allowedUpdates && !hook.allowedUpdates.includes(type)) {
      throw new Error(`fake-telegram: Telegram would not deliver a ${type} update: allowed_updates is ${JSON.stringify(hook.allowedUpdates)}`);
    }
    const update = { update_id: nextUpdateId++, ...body } as Update;
    const secret = o.secretToken === undefined ? hook.secretToken : o.secretToken;
    const res = await fetch(hook.url, {
      method: "POST",
      headers: { "content-type": "application/json", ...(secret ? { "X-Telegram-Bot-Api-Secret-Token": secret } : {}) },
      body: JSON.stringify(update),
    });
    const delivery = { update, status: res.status, body: await res.text() };
    deliveries.push(delivery);
    return delivery;
  };

  const chatOf = (id: number) => world.chats.get(id) ?? world.ensurePrivateChat(id);

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    token,
    botInfo: me,
    calls,
    deliveries,
    slowResponses: (method, ms) => void slow.set(method.toLowerCase(), ms),
    callsOf: (method) => calls.filter((c) => c.ok && c.method.toLowerCase() === method.toLowerCase()),
    rejections: () => calls.filter((c) => !c.ok),
    messagesIn: (chatId) => world.messagesIn(chatId),
    deleted: () => [...world.deleted],
    sentTo: (chatId) => world.messagesIn(chatId).filter((m) => m.from?.id === me.id),
    async waitFor(check, what, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const v = check();
        if (v) return v;
        if (Date.now() > deadline) {
          const seen = calls.map((c) => `${c.method} ${c.status}${c.description ? ` ${c.description}` : ""}`).join("; ");
          throw new Error(`fake-telegram: timed out waiting for ${what}; calls so far: ${seen || "none"}`);
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    webhook: () => world.webhook,
    useWebhook(w) {
      world.webhook = { url: w.url, secretToken: w.secretToken ?? null, allowedUpdates: w.allowedUpdates ?? null, maxConnections: 40, setAt: Math.floor(Date.now() / 1000) };
    },
    chat: (id, o = {}) => world.ensurePrivateChat(id, o.firstName, o.username),
    block: (chatId) => void world.blocked.add(chatId),
    sendText: async (chatId, text, o) => deliver(textMessage(world, chatOf(chatId), text, o)),
    sendPhoto: async (chatId, o) => deliver(photoMessage(world, chatOf(chatId), o)),
    sendDocument: async (chatId, doc) => deliver(documentMessage(world, chatOf(chatId), doc)),
    sendVoice: async (chatId, v) => deliver(voiceMessage(world, chatOf(chatId), { bytes: makeVoiceNote(v.said, v.seconds ?? 2), seconds: v.seconds ?? 2 })),
    async sendAlbum(chatId, a) {
      // Telegram delivers an album's parts as separate updates, back to back, sharing media_group_id.
      const group = String(13_000_000_000_000_000n + BigInt(world.mintFileNumber()));
      const out: Delivery[] = [];
      for (let i = 0; i < a.count; i++) {
        out.push(await deliver(photoMessage(world, chatOf(chatId), { width: 640 + i * 32, height: 480, mediaGroupId: group, ...(i === 0 && a.caption ? { caption: a.caption } : {}) })));
      }
      return out;
    },
    sendSticker: async (chatId) => deliver(stickerMessage(world, chatOf(chatId))),
    sendLocation: async (chatId, lat, lon) => deliver(locationMessage(world, chatOf(chatId), lat, lon)),
    editText: async (chatId, messageId, text) => deliver(editedText(world, chatOf(chatId), messageId, text)),
    downloads: () => [...world.downloads],
    reactionsOn: (chatId, messageId) => world.reactions.get(`${chatId}:${messageId}`) ?? [],
    pressButton: async (chatId, messageId, data, o) => deliver(callbackQuery(world, chatOf(chatId), messageId, data, o?.from)),
    deliver,
    close: () => new Promise<void>((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    }),
  };
}
