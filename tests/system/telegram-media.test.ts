import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestControlPlane, type TestControlPlane } from "../../test-support/control-plane.ts";
import { startFakeTelegram, type FakeTelegram } from "../../test-support/fake-telegram/index.ts";
import { makePdf } from "../../test-support/fake-telegram/test-files.ts";
import { startScriptedAnthropic, text, toolUse, type ScriptedAnthropic, type StepContext } from "../../test-support/scripted-anthropic/index.ts";
import { makePng } from "../../test-support/scripted-anthropic/test-images.ts";
import { registerWebhook } from "../../scripts/lib/telegram-webhook.ts";

/**
 * Telegram's media reaching the supervisor, through the real Worker under `wrangler dev`: the fake
 * Bot API sends updates shaped as Telegram sends them and serves the files; the scripted Messages
 * API records what the supervisor's model was given; Workers AI is the stand-in Worker bound as `AI`.
 * Each scenario has its own chat, so its own supervisor conversation.
 */
const PHOTO = 5_552_001;
const ALBUM = 5_552_002;
const VOICE = 5_552_003;
const PDF = 5_552_004;
const BIG = 5_552_005;
const STICKER = 5_552_006;
const EDIT = 5_552_007;
const DELEGATE = 5_552_008;
const CHATS = [PHOTO, ALBUM, VOICE, PDF, BIG, STICKER, EDIT, DELEGATE];

let fake: FakeTelegram;
let cp: TestControlPlane;
let scripted: ScriptedAnthropic;
const secret = randomBytes(24).toString("base64url");

type Block = { type: string; text?: string; source?: { type: string; media_type?: string; data?: string; url?: string } };
/** The blocks of the last user message of a request the model got. */
const lastUserBlocks = (ctx: StepContext): Block[] => {
  const messages = ctx.body["messages"] as { role: string; content: string | Block[] }[];
  const last = messages.filter((m) => m.role === "user").at(-1)!;
  return typeof last.content === "string" ? [{ type: "text", text: last.content }] : last.content;
};
const describeBlocks = (blocks: Block[]) => blocks.map((b) => (b.type === "text" ? `text:${b.text}` : `${b.type}:${b.source?.type}:${b.source?.media_type}`));

beforeAll(async () => {
  scripted = await startScriptedAnthropic({
    conversations: [
      { name: "photo", match: "[tg-photo]", steps: [(ctx) => text(`I got ${describeBlocks(lastUserBlocks(ctx)).filter((b) => b.startsWith("image:")).join(",")}`)] },
      { name: "album", match: "[tg-album]", steps: [(ctx) => text(`Album of ${lastUserBlocks(ctx).filter((b) => b.type === "image").length}`)] },
      { name: "voice", match: "[tg-voice]", steps: [(ctx) => text(`You said: ${lastUserBlocks(ctx).find((b) => b.type === "text")?.text}`)] },
      { name: "pdf", match: "[tg-pdf]", steps: [(ctx) => text(`Documents: ${describeBlocks(lastUserBlocks(ctx)).filter((b) => b.startsWith("document:")).join(",")}`)] },
      {
        name: "delegate",
        match: "[tg-delegate]",
        steps: [
          // The model names the file by the id it was shown, never by a URL.
          (ctx) => toolUse("create_task", { prompt: "Fill in the form shown in the attached screenshot", attachments: [/\[image (att_[a-z0-9]+):/.exec(JSON.stringify(lastUserBlocks(ctx)))![1]!] }),
          (ctx) => text(`Started ${JSON.parse(ctx.lastToolResult()!.text).created.id}`),
        ],
      },
      {
        name: "edit",
        match: "[tg-edit]",
        steps: [text("Noted."), (ctx) => text(`Now: ${lastUserBlocks(ctx).map((b) => b.text ?? "").join(" ")}`)],
      },
    ],
  });
  fake = await startFakeTelegram({ chats: CHATS.map((id) => ({ id, firstName: "Ada" })) });
  cp = await startTestControlPlane(
    {
      ANTHROPIC_API_KEY: "test",
      ANTHROPIC_BASE_URL: scripted.url,
      TELEGRAM_BOT_TOKEN: fake.token,
      TELEGRAM_WEBHOOK_SECRET: secret,
      TELEGRAM_API_ROOT: fake.url,
      TELEGRAM_ALLOWED_CHAT_IDS: CHATS.join(","),
      TELEGRAM_ALLOWED_USER_IDS: CHATS.map((id) => `operator:${id}`).join(","),
      TELEGRAM_BOT_INFO: JSON.stringify(fake.botInfo),
      TELEGRAM_ALBUM_WINDOW_MS: "1500",
      TELEGRAM_VOICE_REPLIES: "true",
    },
    { aiStandIn: true },
  );
  await registerWebhook({ token: fake.token, secret, url: cp.url, apiRoot: fake.url });
}, 120_000);

afterAll(async () => {
  await cp?.dispose();
  await fake?.close();
  await scripted?.close();
});

const textOf = (m: { text?: string; caption?: string }) => m.text ?? m.caption ?? "";
const replyIn = (chat: number, startsWith: string) =>
  fake.waitFor(() => fake.sentTo(chat).find((m) => textOf(m).startsWith(startsWith)), `a reply starting "${startsWith}" in chat ${chat}`, 30_000);

describe("Telegram media reach the supervisor (real Worker, fake Bot API, scripted model)", () => {
  it("gives a photo with a caption to the model as an image block, and serves it to people only through an authenticated route", async () => {
    await fake.sendPhoto(PHOTO, { caption: "[tg-photo] what is on this screen?", width: 1280, height: 720 });
    const reply = await replyIn(PHOTO, "I got");
    expect(textOf(reply)).toBe("I got image:base64:image/png");
    const request = scripted.requestsOf("photo")[0]!;
    const blocks = (request.body["messages"] as { content: Block[] }[]).at(-1)!.content;
    const image = blocks.find((b) => b.type === "image")!;
    expect(Buffer.from(image.source!.data!, "base64").equals(makePng(1280, 720))).toBe(true);
    expect(blocks.some((b) => b.type === "text" && b.text === "[tg-photo] what is on this screen?")).toBe(true);
    // The bot token is in the Bot API's file URL: it must reach neither the model nor the transcript.
    expect(JSON.stringify(request.body)).not.toContain(fake.token);
    const conversation = (await cp.api("GET", `/api/supervisor/conversations/telegram:${PHOTO}`)).json;
    const entry = conversation.entries.find((e: { kind: string }) => e.kind === "user");
    expect(JSON.stringify(conversation)).not.toContain(fake.token);
    expect(entry.data.attachments).toMatchObject([{ kind: "image", contentType: "image/png", name: expect.stringMatching(/^photo-\d+\.png$/) }]);
    const url = entry.data.attachments[0].url as string;
    const served = await fetch(cp.url + url, { headers: { authorization: `Bearer ${cp.adminToken}` } });
    expect(served.status).toBe(200);
    expect(served.headers.get("content-type")).toBe("image/png");
    expect(Buffer.from(await served.arrayBuffer()).equals(makePng(1280, 720))).toBe(true);
    const anonymous = await fetch(cp.url + url);
    expect(anonymous.status).toBe(401);
    expect(fake.rejections()).toEqual([]);
  });

  it("collects an album of three photos into one supervisor turn", async () => {
    await fake.sendAlbum(ALBUM, { count: 3, caption: "[tg-album] compare these" });
    const reply = await replyIn(ALBUM, "Album of");
    expect(textOf(reply)).toBe("Album of 3");
    expect(scripted.requestsOf("album")).toHaveLength(1);
    const conversation = (await cp.api("GET", `/api/supervisor/conversations/telegram:${ALBUM}`)).json;
    const users = conversation.entries.filter((e: { kind: string }) => e.kind === "user");
    expect(users).toHaveLength(1);
    expect(users[0].data.attachments).toHaveLength(3);
  });

  it("transcribes a voice note through Workers AI, reacts with 👀, echoes the transcript in italics and answers it", async () => {
    const sent = await fake.sendVoice(VOICE, { said: "[tg-voice] how many desktops are busy", seconds: 3 });
    const voiceId = (sent.update.message as { message_id: number }).message_id;
    const echo = await replyIn(VOICE, "[tg-voice] how many desktops are busy");
    expect(echo.entities).toEqual([{ type: "italic", offset: 0, length: "[tg-voice] how many desktops are busy".length }]);
    expect(echo.reply_to_message?.message_id).toBe(voiceId);
    expect(fake.reactionsOn(VOICE, voiceId)).toEqual(["👀"]);
    const reply = await replyIn(VOICE, "You said:");
    expect(textOf(reply)).toBe("You said: [tg-voice] how many desktops are busy");
    // TELEGRAM_VOICE_REPLIES=true: the answer also goes as a voice note (MeloTTS's MP3, through the stand-in).
    const voiceReply = await fake.waitFor(() => fake.sentTo(VOICE).find((m) => m.voice && m.message_id > reply.message_id), "the voice reply");
    expect(voiceReply.voice).toMatchObject({ mime_type: "audio/mpeg" });
    expect(fake.rejections()).toEqual([]);
  });

  it("gives a PDF to the model as a document block", async () => {
    const pdf = makePdf("Invoice 2026-117: 340 EUR");
    await fake.sendDocument(PDF, { name: "invoice.pdf", mimeType: "application/pdf", bytes: pdf, caption: "[tg-pdf] file this invoice" });
    const reply = await replyIn(PDF, "Documents:");
    expect(textOf(reply)).toBe("Documents: document:base64:application/pdf");
    const blocks = (scripted.requestsOf("pdf")[0]!.body["messages"] as { content: Block[] }[]).at(-1)!.content;
    expect(Buffer.from(blocks.find((b) => b.type === "document")!.source!.data!, "base64").equals(Buffer.from(pdf))).toBe(true);
  });

  it("answers a 25 MB document with one reply saying it is too big, and downloads nothing", async () => {
    const before = { downloads: fake.downloads().length, getFile: fake.callsOf("getFile").length };
    await fake.sendDocument(BIG, { name: "scan.zip", mimeType: "application/zip", bytes: new Uint8Array(25 * 1024 * 1024) });
    const sent = fake.sentTo(BIG);
    expect(sent).toHaveLength(1);
    expect(textOf(sent[0]!)).toBe("scan.zip is 25.0 MB; Telegram lets bots download files up to 20 MB. Send a smaller file (split it, or compress it), or put it somewhere a task can fetch it and send the link.");
    expect(fake.downloads().length).toBe(before.downloads);
    expect(fake.callsOf("getFile").length).toBe(before.getFile);
  });

  it("answers a sticker with one short reply saying what it understands", async () => {
    const delivery = await fake.sendSticker(STICKER);
    expect(delivery.status).toBe(200);
    const sent = fake.sentTo(STICKER);
    expect(sent.map(textOf)).toEqual(["I can't read stickers here. I understand text, photos, documents (PDFs, text files and other files up to 20 MB) and voice notes."]);
  });

  it("gives the files of a message to a task the supervisor delegates to, by the id it was shown", async () => {
    await fake.sendPhoto(DELEGATE, { caption: "[tg-delegate] fill in this form for me", width: 800, height: 600 });
    const reply = await replyIn(DELEGATE, "Started ");
    const taskId = textOf(reply).slice("Started ".length);
    const files = (await cp.api("GET", `/api/tasks/${taskId}/files`)).json.items;
    expect(files).toMatchObject([{ kind: "attachment", contentType: "image/png", name: expect.stringMatching(/^photo-\d+\.png$/), bytes: makePng(800, 600).length }]);
    // All its attachments are in: the task is no longer waiting for files.
    expect((await cp.api("GET", `/api/tasks/${taskId}`)).json.waitingReason ?? "").not.toMatch(/attachment/);
  });

  it("tells the supervisor about an edited message as (edited)", async () => {
    const first = await fake.sendText(EDIT, "[tg-edit] book the 9:00 train");
    await replyIn(EDIT, "Noted.");
    await fake.editText(EDIT, (first.update.message as { message_id: number }).message_id, "[tg-edit] book the 10:00 train");
    const reply = await replyIn(EDIT, "Now:");
    expect(textOf(reply)).toBe("Now: (edited) [tg-edit] book the 10:00 train");
    scripted.assertNoRejections();
  });
});
