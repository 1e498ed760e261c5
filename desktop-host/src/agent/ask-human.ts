import type { BetaTool, BetaToolResultBlockParam, BetaToolUseBlock } from "@anthropic-ai/sdk/resources/beta";
import type { HelpOutcome } from "../task-runner.ts";

// The ask_human tool: the model asks a person (through the control plane's help
// requests) and gets the answer as the tool result.

export const ASK_HUMAN_TOOL: BetaTool = {
  name: "ask_human",
  description:
    "Ask a person for information or a decision you cannot get from the screen (approvals, choices, CAPTCHAs, a code only they have). " +
    "For a secret answer (a code sent to their phone, a password the task has no secret for) set secret: true. " +
    "Blocks until they answer or the request times out. Ask one clear question.",
  input_schema: {
    type: "object",
    properties: {
      question: { type: "string", description: "The question, self-contained." },
      options: { type: "array", items: { type: "string" }, description: "Optional choices to offer." },
      secret: {
        type: "boolean",
        description: "True when the answer is a secret (a code sent to their phone, a password): it is not shown to you; you type it with type_secret.",
      },
    },
    required: ["question"],
  },
};

export type AskHuman = (question: string, options?: string[], opts?: { secret?: boolean }) => Promise<HelpOutcome>;

export async function runAskHuman(toolUse: BetaToolUseBlock, ask: AskHuman): Promise<{ result: BetaToolResultBlockParam; outcome: HelpOutcome | null }> {
  const input = (toolUse.input ?? {}) as { question?: unknown; options?: unknown; secret?: unknown };
  if (typeof input.question !== "string" || input.question.trim() === "") {
    return { result: { type: "tool_result", tool_use_id: toolUse.id, is_error: true, content: "ask_human needs a non-empty `question`." }, outcome: null };
  }
  const options = Array.isArray(input.options) ? input.options.filter((o): o is string => typeof o === "string").slice(0, 20) : undefined;
  const outcome = await ask(input.question, options && options.length > 0 ? options : undefined, input.secret === true ? { secret: true } : {});
  const text = outcome.status === "answered"
    ? `The person answered: ${outcome.answer}`
    : outcome.status === "answered_secretly"
      ? `The person answered privately (${outcome.characters} characters). You cannot see the answer: type it where it is needed with type_secret {"name": "${outcome.name}"}.`
    : outcome.status === "timed_out"
      ? "Nobody answered in time. Proceed with your best judgment; if you cannot continue safely, stop and explain why."
      : outcome.note
        ? `Nobody was asked: ${outcome.note}. Proceed with your best judgment without asking again; if you cannot continue safely, stop and explain why.`
        : "The person dismissed the question without answering. Proceed with your best judgment; if you cannot continue safely, stop and explain why.";
  return { result: { type: "tool_result", tool_use_id: toolUse.id, content: text }, outcome };
}
