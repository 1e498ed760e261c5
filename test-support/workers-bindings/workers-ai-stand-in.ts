/**
 * TEST SUPPORT ONLY: the Workers AI binding, offline (see README.md): text embeddings,
 * speech-to-text (Whisper) and text-to-speech (MeloTTS), each refusing what the real model refuses.
 */
import { base64Of, bytesOfBase64, makeMp3, readOggOpus, sniffAudio } from "./audio.ts";

export const SPEECH_TO_TEXT_MODEL = "@cf/openai/whisper-large-v3-turbo";
export const TEXT_TO_SPEECH_MODEL = "@cf/myshell-ai/melotts";
export const EMBEDDING_DIMENSIONS: Readonly<Record<string, number>> = {
  "@cf/baai/bge-small-en-v1.5": 384,
  "@cf/baai/bge-base-en-v1.5": 768,
  "@cf/baai/bge-large-en-v1.5": 1024,
  "@cf/baai/bge-m3": 1024,
};

/** bge models take up to 512 tokens a text; this refuses texts far beyond that, as the model would. */
const MAX_TEXT_CHARS = 8_000;

/** Whisper's answer (the documented output schema of whisper-large-v3-turbo). */
export type TranscriptionOutput = {
  transcription_info: { language: string; language_probability: number; duration: number; duration_after_vad: number };
  text: string;
  word_count: number;
  segments: { start: number; end: number; text: string; temperature: number; avg_logprob: number; compression_ratio: number; no_speech_prob: number; words: { word: string; start: number; end: number }[] }[];
  vtt: string;
};
export type EmbeddingOutput = { shape: [number, number]; data: number[][]; pooling: "mean" };

const WHISPER_KEYS = new Set(["audio", "task", "language", "vad_filter", "initial_prompt", "prefix"]);
const MELOTTS_KEYS = new Set(["prompt", "lang"]);
/** MeloTTS's languages (its model card): English, Spanish, French, Chinese, Japanese, Korean. */
const MELOTTS_LANGS = new Set(["en", "es", "fr", "zh", "ja", "ko"]);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/** Workers AI's request body limit for a model input is far above a voice note; this matches Whisper's 25 MB file limit. */
const MAX_AUDIO_BYTES = 25 * 1024 * 1024;

export class WorkersAiStandIn {
  readonly calls: { model: string; texts: string[] }[] = [];
  /** Speech-to-text calls, with the audio's container and what the test audio "said". */
  readonly transcriptions: { model: string; format: string; bytes: number; text: string }[] = [];
  readonly speeches: { model: string; prompt: string; lang: string }[] = [];

  run(model: typeof SPEECH_TO_TEXT_MODEL, inputs: Record<string, unknown>): Promise<TranscriptionOutput>;
  run(model: typeof TEXT_TO_SPEECH_MODEL, inputs: Record<string, unknown>): Promise<{ audio: string }>;
  run(model: string, inputs: { text?: unknown }): Promise<EmbeddingOutput>;
  async run(model: string, inputs: Record<string, unknown>): Promise<unknown> {
    if (model === SPEECH_TO_TEXT_MODEL) return this.transcribe(model, inputs);
    if (model === TEXT_TO_SPEECH_MODEL) return this.speak(model, inputs);
    return this.embed(model, inputs);
  }

  /** whisper-large-v3-turbo: `{ audio: <base64>, task?, language?, vad_filter?, initial_prompt?, prefix? }`. */
  private transcribe(model: string, inputs: Record<string, unknown>): TranscriptionOutput {
    if (typeof inputs !== "object" || inputs === null) throw new Error("AiError: 5006: Error: required properties at '/' are 'audio'");
    for (const k of Object.keys(inputs)) if (!WHISPER_KEYS.has(k)) throw new Error(`AiError: 5006: Error: additional properties at '/' are not allowed: '${k}'`);
    const audio = inputs["audio"];
    if (audio === undefined) throw new Error("AiError: 5006: Error: required properties at '/' are 'audio'");
    // The older @cf/openai/whisper takes a byte array; this model takes base64 only.
    if (typeof audio !== "string") throw new Error("AiError: 5006: Error: at '/audio' must be string");
    if (audio.length === 0 || audio.length % 4 !== 0 || !BASE64.test(audio)) throw new Error("AiError: 3010: Invalid or incomplete input for the model: audio is not valid base64");
    const task = inputs["task"];
    if (task !== undefined && task !== "transcribe" && task !== "translate") throw new Error("AiError: 5006: Error: at '/task' must be equal to one of the allowed values");
    for (const k of ["language", "vad_filter", "initial_prompt", "prefix"]) {
      if (inputs[k] !== undefined && typeof inputs[k] !== "string") throw new Error(`AiError: 5006: Error: at '/${k}' must be string`);
    }
    const bytes = bytesOfBase64(audio);
    if (bytes.length > MAX_AUDIO_BYTES) throw new Error("AiError: 3010: Invalid or incomplete input for the model: audio is too large");
    const format = sniffAudio(bytes);
    if (!format) throw new Error("AiError: 3010: Invalid or incomplete input for the model: could not decode the audio");
    let text = "";
    let duration = bytes.length / 16_000;
    if (format === "ogg") {
      let info;
      try {
        info = readOggOpus(bytes);
      } catch (err) {
        throw new Error(`AiError: 3010: Invalid or incomplete input for the model: could not decode the audio (${err instanceof Error ? err.message : String(err)})`);
      }
      duration = info.seconds;
      text = info.comments.find((c) => c.startsWith("DESKFLEET_SAID="))?.slice("DESKFLEET_SAID=".length) ?? "";
    }
    const words = text.split(/\s+/).filter(Boolean);
    const step = words.length ? duration / words.length : 0;
    this.transcriptions.push({ model, format, bytes: bytes.length, text });
    return {
      transcription_info: { language: typeof inputs["language"] === "string" ? inputs["language"] : "en", language_probability: 0.98, duration, duration_after_vad: duration },
      text,
      word_count: words.length,
      segments: text ? [{ start: 0, end: duration, text, temperature: 0, avg_logprob: -0.2, compression_ratio: 1.1, no_speech_prob: 0.01, words: words.map((w, i) => ({ word: w, start: i * step, end: (i + 1) * step })) }] : [],
      vtt: text ? `WEBVTT\n\n00:00.000 --> ${vttTime(duration)}\n${text}\n\n` : "WEBVTT\n\n",
    };
  }

  /** melotts: `{ prompt: string (min 1), lang?: string }` → `{ audio: <base64 MP3> }`. */
  private speak(model: string, inputs: Record<string, unknown>): { audio: string } {
    if (typeof inputs !== "object" || inputs === null || inputs["prompt"] === undefined) throw new Error("AiError: 5006: Error: required properties at '/' are 'prompt'");
    for (const k of Object.keys(inputs)) if (!MELOTTS_KEYS.has(k)) throw new Error(`AiError: 5006: Error: additional properties at '/' are not allowed: '${k}'`);
    const prompt = inputs["prompt"];
    if (typeof prompt !== "string") throw new Error("AiError: 5006: Error: at '/prompt' must be string");
    if (prompt.length === 0) throw new Error("AiError: 5006: Error: at '/prompt' must NOT have fewer than 1 characters");
    const lang = inputs["lang"] ?? "en";
    if (typeof lang !== "string") throw new Error("AiError: 5006: Error: at '/lang' must be string");
    if (!MELOTTS_LANGS.has(lang)) throw new Error(`AiError: 3010: Invalid or incomplete input for the model: unsupported language ${lang}`);
    this.speeches.push({ model, prompt, lang });
    // About 15 characters a second of speech.
    return { audio: base64Of(makeMp3(Math.min(120, Math.max(1, prompt.length / 15)))) };
  }

  private embed(model: string, inputs: { text?: unknown }): EmbeddingOutput {
    const dims = EMBEDDING_DIMENSIONS[model];
    if (dims === undefined) throw new Error(`AiError: 5007: No such model ${model} or task`);
    const raw = inputs?.text;
    const texts = typeof raw === "string" ? [raw] : raw;
    if (!Array.isArray(texts) || texts.length === 0) throw new Error("AiError: 5006: Error: required properties at '/' are 'text'");
    if (texts.length > 100) throw new Error("AiError: 5006: Error: oneOf at '/' not met; at '/text' must NOT have more than 100 items");
    for (const t of texts) {
      if (typeof t !== "string" || t.length === 0) throw new Error("AiError: 5006: Error: at '/text/0' must NOT have fewer than 1 characters");
      if (t.length > MAX_TEXT_CHARS) throw new Error("AiError: 3010: Invalid or incomplete input for the model: the text is longer than the model's context");
    }
    this.calls.push({ model, texts: texts as string[] });
    return { shape: [texts.length, dims], data: (texts as string[]).map((t) => embed(t, dims)), pooling: "mean" };
  }
}

function vttTime(s: number): string {
  const m = Math.floor(s / 60);
  return `${String(m).padStart(2, "0")}:${(s - m * 60).toFixed(3).padStart(6, "0")}`;
}

/** Character trigram counts of the words, hashed into `dims`, L2-normalized. */
function embed(text: string, dims: number): number[] {
  const v = new Array<number>(dims).fill(0);
  for (const word of text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean)) {
    const padded = ` ${word} `;
    for (let i = 0; i + 3 <= padded.length; i++) v[hash(padded.slice(i, i + 3)) % dims]! += 1;
  }
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}
