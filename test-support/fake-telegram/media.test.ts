import { Api, InputFile } from "grammy";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeMp3, makeVoiceNote } from "../workers-bindings/audio.ts";
import { startFakeTelegram, type FakeTelegram } from "./index.ts";
import { rejected } from "./rejected.ts";

const CHAT = 4343;
let fake: FakeTelegram;
let api: Api;

beforeEach(async () => {
  fake = await startFakeTelegram({ chats: [{ id: CHAT, firstName: "Ada" }] });
  api = new Api(fake.token, { apiRoot: fake.url });
});
afterEach(async () => fake.close());


describe("the fake Bot API's files, reactions and voice", () => {
  it("names a file with getFile and serves it at /file/bot<token>/<file_path>, to this token only", async () => {
    const doc = await api.sendDocument(CHAT, new InputFile(new TextEncoder().encode("a,b\n1,2\n"), "t.csv"));
    const file = await api.getFile(doc.document!.file_id);
    expect(file).toMatchObject({ file_id: doc.document!.file_id, file_size: 8, file_path: expect.stringMatching(/^documents\/file_\d+\.csv$/) });
    const res = await fetch(`${fake.url}/file/bot${fake.token}/${file.file_path}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("a,b\n1,2\n");
    expect((await fetch(`${fake.url}/file/bot123:wrong/${file.file_path}`)).status).toBe(404);
    expect((await fetch(`${fake.url}/file/bot${fake.token}/documents/file_999.csv`)).status).toBe(404);
    expect(fake.downloads().map((d) => d.status)).toEqual([200, 404, 404]);
  });

  it("refuses getFile for a file over 20 MB and an unknown file_id, as Telegram does", async () => {
    const big = await api.sendDocument(CHAT, new InputFile(new Uint8Array(21 * 1024 * 1024).fill(7), "big.bin"));
    expect((await rejected(api.getFile(big.document!.file_id))).description).toBe("Bad Request: file is too big");
    expect((await rejected(api.getFile("BQACAgIAAxkBAAInope"))).description).toBe("Bad Request: invalid file_id");
  });

  it("takes one reaction from Telegram's emoji set and refuses others", async () => {
    const m = await api.sendMessage(CHAT, "hi");
    await api.setMessageReaction(CHAT, m.message_id, [{ type: "emoji", emoji: "👀" }]);
    expect(fake.reactionsOn(CHAT, m.message_id)).toEqual(["👀"]);
    expect((await rejected(api.setMessageReaction(CHAT, m.message_id, [{ type: "emoji", emoji: "🦆" as "👀" }]))).description).toBe("Bad Request: REACTION_INVALID");
    expect((await rejected(api.setMessageReaction(CHAT, m.message_id, [{ type: "emoji", emoji: "👍" }, { type: "emoji", emoji: "👀" }]))).description).toBe("Bad Request: REACTIONS_TOO_MANY");
    expect((await rejected(api.setMessageReaction(CHAT, 9999, [{ type: "emoji", emoji: "👍" }]))).description).toBe("Bad Request: message to react not found");
  });

  it("sends a voice note of Ogg Opus or MP3 and refuses what is not audio or a broken Ogg page", async () => {
    const ogg = await api.sendVoice(CHAT, new InputFile(makeVoiceNote("hello", 3), "v.oga"));
    expect(ogg.voice).toMatchObject({ mime_type: "audio/ogg", duration: 3 });
    const mp3 = await api.sendVoice(CHAT, new InputFile(makeMp3(2), "v.mp3"));
    expect(mp3.voice).toMatchObject({ mime_type: "audio/mpeg" });
    expect((await rejected(api.sendVoice(CHAT, new InputFile(new TextEncoder().encode("not audio"), "v.oga")))).description).toMatch(/^Bad Request: VOICE_FILE_INVALID/);
    const broken = makeVoiceNote("hello");
    broken[30] = broken[30]! ^ 0xff;
    expect((await rejected(api.sendVoice(CHAT, new InputFile(broken, "v.oga")))).description).toMatch(/CRC does not match/);
  });
});
