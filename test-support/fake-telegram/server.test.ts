import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { Api, InputFile } from "grammy";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makePng } from "../scripted-anthropic/test-images.ts";
import { startFakeTelegram, type FakeTelegram } from "./index.ts";
import { rejected } from "./rejected.ts";

const CHAT = 4242;
let fake: FakeTelegram;
let api: Api;

beforeEach(async () => {
  fake = await startFakeTelegram({ chats: [{ id: CHAT, firstName: "Ada" }] });
  api = new Api(fake.token, { apiRoot: fake.url });
});
afterEach(async () => fake.close());


describe("the fake Bot API", () => {
  it("answers an unknown token with Telegram's 401 body", async () => {
    const res = await fetch(`${fake.url}/bot123:wrong/getMe`, { method: "POST" });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ ok: false, error_code: 401, description: "Unauthorized" });
  });

  it("answers an unknown method with 404 Not Found", async () => {
    const res = await fetch(`${fake.url}/bot${fake.token}/sendTelepathy`, { method: "POST" });
    expect(await res.json()).toEqual({ ok: false, error_code: 404, description: "Not Found" });
  });

  it("returns a real Message for sendMessage and records the call", async () => {
    const m = await api.sendMessage(CHAT, "hello /help https://example.com");
    expect(m).toMatchObject({ message_id: 1, chat: { id: CHAT, type: "private" }, from: { id: fake.botInfo.id, is_bot: true }, text: "hello /help https://example.com" });
    expect(m.entities).toEqual([{ type: "bot_command", offset: 6, length: 5 }, { type: "url", offset: 12, length: 19 }]);
    expect(typeof m.date).toBe("number");
    expect(fake.callsOf("sendMessage")[0]?.params).toMatchObject({ chat_id: CHAT, text: "hello /help https://example.com" });
  });

  it("refuses chats nobody opened and missing text", async () => {
    expect((await rejected(api.sendMessage(999, "hi"))).description).toBe("Bad Request: chat not found");
    expect((await rejected(api.sendMessage(CHAT, ""))).description).toBe("Bad Request: message text is empty");
    fake.block(CHAT);
    const blocked = await rejected(api.sendMessage(CHAT, "hi"));
    expect([blocked.error_code, blocked.description]).toEqual([403, "Forbidden: bot was blocked by the user"]);
  });

  it("rejects unescaped MarkdownV2 with the real parse error and accepts it escaped", async () => {
    const err = await rejected(api.sendMessage(CHAT, "Done. *bold*", { parse_mode: "MarkdownV2" }));
    expect(err.description).toBe("Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\\'");
    const ok = await api.sendMessage(CHAT, "Done\\. *bold*", { parse_mode: "MarkdownV2" });
    expect(ok.text).toBe("Done. bold");
    expect(ok.entities).toEqual([{ type: "bold", offset: 6, length: 4 }]);
    expect((await rejected(api.sendMessage(CHAT, "<b>x", { parse_mode: "HTML" }))).description).toMatch(/^Bad Request: can't parse entities: Can't find end tag/);
  });

  it("limits text to 4096 characters after entity parsing", async () => {
    await expect(api.sendMessage(CHAT, "x".repeat(4096))).resolves.toBeTruthy();
    expect((await rejected(api.sendMessage(CHAT, "x".repeat(4097)))).description).toBe("Bad Request: message is too long");
    // 4096 visible characters written with 4096 escapes: too long as sent, fine after parsing.
    await expect(api.sendMessage(CHAT, "\\.".repeat(4096), { parse_mode: "MarkdownV2" })).resolves.toBeTruthy();
  });

  it("checks callback_data is 1-64 bytes", async () => {
    const button = (data: string) => ({ reply_markup: { inline_keyboard: [[{ text: "b", callback_data: data }]] } });
    await expect(api.sendMessage(CHAT, "ok", button("é".repeat(32)))).resolves.toBeTruthy();
    expect((await rejected(api.sendMessage(CHAT, "no", button("é".repeat(32) + "x")))).description).toBe("Bad Request: BUTTON_DATA_INVALID");
    expect((await rejected(api.sendMessage(CHAT, "no", button("")))).description).toBe("Bad Request: BUTTON_DATA_INVALID");
  });

  it("takes a web_app button with an https URL in a private chat only", async () => {
    const app = (url: string) => ({ reply_markup: { inline_keyboard: [[{ text: "Open", web_app: { url } }]] } });
    await expect(api.sendMessage(CHAT, "ok", app("https://deskfleet.example/mini/desktops/d1"))).resolves.toBeTruthy();
    expect((await rejected(api.sendMessage(CHAT, "no", app("http://deskfleet.example/mini")))).description).toBe(
      "Bad Request: inline keyboard button Web App URL 'http://deskfleet.example/mini' is invalid: Only HTTPS links are allowed",
    );
    const group = await startFakeTelegram({ groups: [{ id: -1001, title: "Ops", members: [{ id: CHAT, firstName: "Ada" }] }] });
    try {
      const inGroup = new Api(group.token, { apiRoot: group.url });
      expect((await rejected(inGroup.sendMessage(-1001, "no", app("https://deskfleet.example/mini")))).description).toBe("Bad Request: BUTTON_TYPE_INVALID");
    } finally {
      await group.close();
    }
  });

  it("takes a photo as a multipart upload and answers with its sizes", async () => {
    const png = makePng(1600, 1000);
    const m = await api.sendPhoto(CHAT, new InputFile(new Uint8Array(png), "shot.png"), { caption: "last *screen*", parse_mode: "MarkdownV2" });
    expect(m.photo?.map((p) => [p.width, p.height])).toEqual([[90, 56], [320, 200], [800, 500], [1280, 800], [1600, 1000]]);
    expect(m.caption).toBe("last screen");
    const call = fake.callsOf("sendPhoto")[0]!;
    expect(call.contentType).toMatch(/^multipart\/form-data; boundary=/);
    expect((call.params["photo"] as { bytes: Uint8Array }).bytes.length).toBe(png.length);
    const notImage = await rejected(api.sendPhoto(CHAT, new InputFile(new TextEncoder().encode("not a png"), "x.png")));
    expect(notImage.description).toBe("Bad Request: IMAGE_PROCESS_FAILED");
    expect((await rejected(api.sendPhoto(CHAT, new InputFile(new Uint8Array(png)), { caption: "c".repeat(1025) }))).description).toBe("Bad Request: message caption is too long");
    await expect(api.sendPhoto(CHAT, "https://example.com/a.png")).resolves.toBeTruthy();
    expect((await rejected(api.sendPhoto(CHAT, "nonsense"))).description).toBe("Bad Request: wrong file identifier/HTTP URL specified");
  });

  it("takes a document as a multipart upload, keeps its name and type, and refuses an empty one", async () => {
    const bytes = new TextEncoder().encode("a,b\n1,2\n");
    const m = await api.sendDocument(CHAT, new InputFile(bytes, "report.csv"), { caption: "the report" });
    expect(m.document).toMatchObject({ file_name: "report.csv", file_size: bytes.length });
    expect(m.caption).toBe("the report");
    const again = await api.sendDocument(CHAT, m.document!.file_id);
    expect(again.document?.file_name).toBe("report.csv");
    expect((await rejected(api.sendDocument(CHAT, new InputFile(new Uint8Array(), "empty.txt")))).description).toBe("Bad Request: file must be non-empty");
    expect((await rejected(api.sendDocument(CHAT, new InputFile(bytes, "r.csv"), { caption: "c".repeat(1025) }))).description).toBe("Bad Request: message caption is too long");
    expect((await rejected(api.sendDocument(CHAT, "nonsense"))).description).toBe("Bad Request: wrong file identifier/HTTP URL specified");
  });

  it("edits a bot message and refuses an edit that changes nothing", async () => {
    const m = await api.sendMessage(CHAT, "first");
    const edited = await api.editMessageText(CHAT, m.message_id, "second");
    expect(edited).toMatchObject({ message_id: m.message_id, text: "second" });
    expect((await rejected(api.editMessageText(CHAT, m.message_id, "second"))).description).toMatch(/^Bad Request: message is not modified/);
    expect((await rejected(api.editMessageText(CHAT, 999, "x"))).description).toBe("Bad Request: message to edit not found");
  });

  it("validates setWebhook and setMyCommands", async () => {
    const strict = await startFakeTelegram({ insecureWebhooks: false });
    const strictApi = new Api(strict.token, { apiRoot: strict.url });
    expect((await rejected(strictApi.setWebhook("http://example.com/hook"))).description).toBe("Bad Request: bad webhook: An HTTPS URL must be provided for webhook");
    await strict.close();
    expect((await rejected(api.setWebhook("https://e.com/h", { secret_token: "has space" }))).description).toBe("Bad Request: secret token contains unallowed characters");
    await api.setWebhook("https://e.com/h", { secret_token: "s3cret_-", allowed_updates: ["message", "callback_query"] });
    expect(await api.getWebhookInfo()).toMatchObject({ url: "https://e.com/h", allowed_updates: ["message", "callback_query"] });
    expect((await rejected(api.setMyCommands([{ command: "Run", description: "x" }]))).description).toBe("Bad Request: BOT_COMMAND_INVALID");
    await api.setMyCommands([{ command: "run", description: "Run a task" }]);
    expect(await api.getMyCommands()).toEqual([{ command: "run", description: "Run a task" }]);
  });
});

describe("the fake as Telegram's side of a webhook", () => {
  it("posts real updates with the secret header, commands with entities, replies and button presses", async () => {
    const received: { secret: string | undefined; body: any }[] = [];
    const hook = createServer(async (req: IncomingMessage, res) => {
      let text = "";
      for await (const c of req) text += c;
      received.push({ secret: req.headers["x-telegram-bot-api-secret-token"] as string | undefined, body: JSON.parse(text) });
      res.end();
    });
    await new Promise<void>((ok) => hook.listen(0, "127.0.0.1", ok));
    try {
      await api.setWebhook(`http://127.0.0.1:${(hook.address() as AddressInfo).port}/telegram/webhook`, { secret_token: "topsecret", allowed_updates: ["message", "callback_query"] });
      const d = await fake.sendText(CHAT, "/run open example.com");
      expect(d.status).toBe(200);
      expect(received[0]!.secret).toBe("topsecret");
      expect(received[0]!.body.message).toMatchObject({ chat: { id: CHAT }, from: { id: CHAT, is_bot: false }, text: "/run open example.com", entities: [{ type: "bot_command", offset: 0, length: 4 }] });

      const question = await api.sendMessage(CHAT, "Which one?", { reply_markup: { inline_keyboard: [[{ text: "A", callback_data: "h:1:0" }]] } });
      await fake.sendText(CHAT, "the second", { replyTo: question.message_id });
      expect(received[1]!.body.message.reply_to_message).toMatchObject({ message_id: question.message_id, text: "Which one?" });

      await expect(fake.pressButton(CHAT, question.message_id, "h:1:9")).rejects.toThrow(/no button with callback_data/);
      await fake.pressButton(CHAT, question.message_id, "h:1:0");
      const query = received[2]!.body.callback_query;
      expect(query).toMatchObject({ data: "h:1:0", message: { message_id: question.message_id }, from: { id: CHAT } });
      await expect(api.answerCallbackQuery(query.id, { text: "Thanks" })).resolves.toBe(true);
      expect((await rejected(api.answerCallbackQuery(query.id))).description).toBe("Bad Request: query is too old and response timeout expired or query ID is invalid");

      await fake.sendPhoto(CHAT, { caption: "look", width: 640, height: 480 });
      expect(received[3]!.body.message.photo.at(-1)).toMatchObject({ width: 640, height: 480 });
      await fake.deliver({ message: received[0]!.body.message }, { secretToken: "wrong" });
      expect(received[4]!.secret).toBe("wrong");
      await api.setWebhook(`http://127.0.0.1:${(hook.address() as AddressInfo).port}/telegram/webhook`, { allowed_updates: ["message"] });
      await expect(fake.pressButton(CHAT, question.message_id, "h:1:0")).rejects.toThrow(/would not deliver a callback_query/);
    } finally {
      hook.close();
    }
  });

  it("deletes a person's message in a private chat and the bot's own, as Telegram allows a bot", async () => {
    const hook = createServer((_req, res) => res.end());
    await new Promise<void>((ok) => hook.listen(0, "127.0.0.1", ok));
    try {
      await api.setWebhook(`http://127.0.0.1:${(hook.address() as AddressInfo).port}/telegram/webhook`);
      const question = await api.sendMessage(CHAT, "The code?");
      const d = await fake.sendText(CHAT, "492039", { replyTo: question.message_id });
      const reply = d.update.message!;
      await expect(api.deleteMessage(CHAT, reply.message_id)).resolves.toBe(true);
      expect(fake.messagesIn(CHAT).map((m) => m.text)).toEqual(["The code?"]);
      expect(fake.deleted().map((m) => m.text)).toEqual(["492039"]);
      expect((await rejected(api.deleteMessage(CHAT, reply.message_id))).description).toBe("Bad Request: message to delete not found");
      await expect(api.deleteMessage(CHAT, question.message_id)).resolves.toBe(true);
    } finally {
      hook.close();
    }
  });
});
