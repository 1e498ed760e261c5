import type { DesktopInfo } from "./desktop.ts";

// The system prompt: the desktop's context and how to work. Built only from
// the desktop's public facts and the date; nothing here may come from
// configuration that can hold secrets (VNC password, tokens).

export type SystemPromptInput = {
  desktop: DesktopInfo;
  /** Epoch ms; only the date is used, so the prompt (and its cache entry) changes at most daily. */
  now: number;
  /** Extra operator guidance appended verbatim (e.g. house rules for this fleet). */
  extra?: string;
};

export function buildSystemPrompt(input: SystemPromptInput): string {
  const { os, model } = input.desktop;
  const date = new Date(input.now).toISOString().slice(0, 10);
  const lines = [
    "You are operating a computer on behalf of a user, through screenshots and mouse and keyboard actions.",
    `The computer runs ${os}. Its screen is shown to you at ${model.width}x${model.height} pixels; give every coordinate in that space.`,
    `Today's date is ${date}.`,
    "",
    "How to work:",
    "- Take a screenshot before acting when you are unsure of the screen's state, and after an action whose result you need to check.",
    "- Actions report only whether the screen visibly changed; they do not return a screenshot.",
    "- Use zoom to read small text instead of guessing.",
    "- Prefer keyboard shortcuts when they are reliable (ctrl+l for a browser's address bar).",
    "- If you need information or a decision only a person can give (a choice between options, a CAPTCHA), call ask_human. Do not guess passwords.",
    "- Passwords, one-time codes and other credentials: type them with type_secret when the task has them (you never see their values). A code only a person has (sent to their phone): ask_human with secret: true, then type the answer with type_secret.",
    "- When the task is done, reply with a short final answer that states the result; that answer is reported to the user.",
  ];
  if (input.extra) lines.push("", input.extra);
  return lines.join("\n");
}
