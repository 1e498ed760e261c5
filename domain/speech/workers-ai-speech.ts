/**
 * Speech through Workers AI (binding `AI`): voice notes to text (Whisper) and, for voice replies,
 * text to speech (MeloTTS). Both are optional: without the binding, `speechOf(env)` is null and
 * callers say how to enable it.
 */
import { z } from "zod";

export const DEFAULT_TRANSCRIPTION_MODEL = "@cf/openai/whisper-large-v3-turbo";
export const DEFAULT_SPEECH_MODEL = "@cf/myshell-ai/melotts";
/** MeloTTS reads prompts of modest length; a longer reply is spoken up to here (the text still goes in full). */
export const MAX_SPOKEN_CHARS = 1_500;

/** What we use of the Workers AI binding: one model's run. */
export type SpeechBinding = { run(model: string, inputs: Record<string, unknown>): Promise<unknown> };
/** `AI` is absent from wrangler.toml until you add it (README: "Voice"). */
type SpeechSettings = { AI?: SpeechBinding };

/** whisper-large-v3-turbo's answer; only `text` is needed. */
const Transcription = z.looseObject({ text: z.string() });
/** melotts's JSON answer: base64 MP3. */
const Speech = z.looseObject({ audio: z.string().min(1) });

export type Speech = {
  transcribe(audio: Uint8Array): Promise<string>;
  /** An MP3 of the text (its first MAX_SPOKEN_CHARS characters). */
  speak(text: string): Promise<Uint8Array>;
};

export function speechOf(env: Env): Speech | null {
  const s = env as Env & SpeechSettings;
  const ai = s.AI;
  if (!ai) return null;
  const sttModel = env.DESKFLEET_TRANSCRIPTION_MODEL?.trim() || DEFAULT_TRANSCRIPTION_MODEL;
  const ttsModel = env.DESKFLEET_SPEECH_MODEL?.trim() || DEFAULT_SPEECH_MODEL;
  return {
    async transcribe(audio) {
      const out = Transcription.safeParse(await ai.run(sttModel, { audio: Buffer.from(audio).toString("base64") }));
      if (!out.success) throw new Error(`the transcription model ${sttModel} returned no text; set DESKFLEET_TRANSCRIPTION_MODEL to a Workers AI speech-to-text model that takes base64 audio`);
      return out.data.text.trim();
    },
    async speak(text) {
      const prompt = text.length > MAX_SPOKEN_CHARS ? `${text.slice(0, MAX_SPOKEN_CHARS)}…` : text;
      const out = Speech.safeParse(await ai.run(ttsModel, { prompt, lang: "en" }));
      if (!out.success) throw new Error(`the speech model ${ttsModel} returned no audio; set DESKFLEET_SPEECH_MODEL to a Workers AI text-to-speech model that answers { audio }`);
      return new Uint8Array(Buffer.from(out.data.audio, "base64"));
    },
  };
}
