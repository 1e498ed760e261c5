import { describe, expect, it } from "vitest";
import { VectorizeStandIn } from "./vectorize-stand-in.ts";
import { SPEECH_TO_TEXT_MODEL, TEXT_TO_SPEECH_MODEL, WorkersAiStandIn } from "./workers-ai-stand-in.ts";
import { base64Of, bytesOfBase64, makeVoiceNote, sniffAudio } from "./audio.ts";

describe("the Workers AI stand-in", () => {
  it("embeds texts with the model's dimensions, close for texts spelled alike", async () => {
    const ai = new WorkersAiStandIn();
    const out = await ai.run("@cf/baai/bge-small-en-v1.5", { text: ["cookie wall", "cokie", "invoice ledger"] });
    expect(out.shape).toEqual([3, 384]);
    const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);
    expect(dot(out.data[0]!, out.data[1]!)).toBeGreaterThan(dot(out.data[2]!, out.data[1]!));
  });

  it("refuses what Workers AI refuses: an unknown model, no text, an empty text, over 100 texts", async () => {
    const ai = new WorkersAiStandIn();
    await expect(ai.run("@cf/baai/bge-tiny", { text: ["x"] })).rejects.toThrow(/No such model/);
    await expect(ai.run("@cf/baai/bge-base-en-v1.5", {})).rejects.toThrow(/required properties/);
    await expect(ai.run("@cf/baai/bge-base-en-v1.5", { text: [""] })).rejects.toThrow(/fewer than 1 characters/);
    await expect(ai.run("@cf/baai/bge-base-en-v1.5", { text: Array(101).fill("x") })).rejects.toThrow(/more than 100 items/);
    expect(ai.calls).toEqual([]);
  });
});

describe("the Workers AI stand-in's speech models", () => {
  it("transcribes an Ogg Opus voice note into Whisper's output shape", async () => {
    const ai = new WorkersAiStandIn();
    const out = await ai.run(SPEECH_TO_TEXT_MODEL, { audio: base64Of(makeVoiceNote("book the train", 3)) });
    expect(out).toMatchObject({ text: "book the train", word_count: 3, transcription_info: { language: "en", duration: expect.closeTo(3 - 312 / 48_000, 3) } });
    expect(out.segments[0]).toMatchObject({ start: 0, text: "book the train" });
    expect(out.vtt).toMatch(/^WEBVTT/);
  });

  it("refuses what whisper-large-v3-turbo refuses: no audio, a byte array, bad base64, not audio, unknown fields", async () => {
    const ai = new WorkersAiStandIn();
    await expect(ai.run(SPEECH_TO_TEXT_MODEL, {})).rejects.toThrow(/required properties at '\/' are 'audio'/);
    await expect(ai.run(SPEECH_TO_TEXT_MODEL, { audio: [1, 2, 3] })).rejects.toThrow(/must be string/);
    await expect(ai.run(SPEECH_TO_TEXT_MODEL, { audio: "not base64!" })).rejects.toThrow(/not valid base64/);
    await expect(ai.run(SPEECH_TO_TEXT_MODEL, { audio: btoa("plain text") })).rejects.toThrow(/could not decode the audio/);
    await expect(ai.run(SPEECH_TO_TEXT_MODEL, { audio: base64Of(makeVoiceNote("x")), model: "tiny" })).rejects.toThrow(/additional properties/);
    expect(ai.transcriptions).toEqual([]);
  });

  it("speaks a prompt as base64 MP3, and refuses an empty prompt or an unknown language as MeloTTS does", async () => {
    const ai = new WorkersAiStandIn();
    const { audio } = await ai.run(TEXT_TO_SPEECH_MODEL, { prompt: "Two desktops are busy.", lang: "en" });
    expect(sniffAudio(bytesOfBase64(audio))).toBe("mp3");
    await expect(ai.run(TEXT_TO_SPEECH_MODEL, { prompt: "" })).rejects.toThrow(/fewer than 1 characters/);
    await expect(ai.run(TEXT_TO_SPEECH_MODEL, { text: "hi" })).rejects.toThrow(/required properties at '\/' are 'prompt'/);
    await expect(ai.run(TEXT_TO_SPEECH_MODEL, { prompt: "hi", lang: "xx" })).rejects.toThrow(/unsupported language/);
    expect(ai.speeches).toEqual([{ model: TEXT_TO_SPEECH_MODEL, prompt: "Two desktops are busy.", lang: "en" }]);
  });
});

describe("the Vectorize stand-in", () => {
  it("finds the nearest vectors by cosine similarity and forgets deleted ones", async () => {
    const index = new VectorizeStandIn({ dimensions: 3 });
    await index.upsert([{ id: "a", values: [1, 0, 0] }, { id: "b", values: [0.7, 0.7, 0] }, { id: "c", values: [0, 0, 1] }]);
    expect((await index.query([1, 0.1, 0], { topK: 2 })).matches.map((m) => m.id)).toEqual(["a", "b"]);
    await index.deleteByIds(["a"]);
    expect((await index.query([1, 0.1, 0], { topK: 2 })).matches.map((m) => m.id)).toEqual(["b", "c"]);
  });

  it("refuses what Vectorize refuses: wrong dimensions, a bad id, topK out of range", async () => {
    const index = new VectorizeStandIn({ dimensions: 3 });
    await expect(index.upsert([{ id: "a", values: [1, 0] }])).rejects.toThrow(/DIMENSION_MISMATCH/);
    await expect(index.upsert([{ id: "x".repeat(65), values: [1, 0, 0] }])).rejects.toThrow(/INVALID_ID/);
    await expect(index.upsert([{ id: "a", values: [1, Number.NaN, 0] }])).rejects.toThrow(/finite/);
    await expect(index.query([1, 0, 0], { topK: 101 })).rejects.toThrow(/topK must be between 1 and 100/);
    await expect(index.query([1, 0, 0], { topK: 21, returnValues: true })).rejects.toThrow(/between 1 and 20/);
    expect(index.size).toBe(0);
  });
});
