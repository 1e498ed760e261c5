import type { BetaTool, BetaToolResultBlockParam, BetaToolUseBlock } from "@anthropic-ai/sdk/resources/beta";
import type { SecretSummary } from "@deskfleet/protocol";
import type { SecretValue } from "../task-runner.ts";
import type { ActionOutcome } from "./desktop.ts";

// The type_secret tool: the model names a secret, the host gets its value at
// that moment (from the control plane, or a secret help answer it holds),
// types it through RFB and lets it go. The model sees the name and length,
// never the value; so do the events.

export const TYPE_SECRET = "type_secret";

/** The tool, with the secrets in the task's scope listed by name and description (never values). */
export function typeSecretTool(secrets: readonly SecretSummary[]): BetaTool {
  const list = secrets.length
    ? secrets.map((s) => `- \`${s.name}\` (${s.kind === "totp" ? "one-time code: types the current code" : s.kind})${s.description ? `: ${s.description}` : ""}`).join("\n")
    : "(none: this task has no vault secrets in its scope)";
  return {
    name: TYPE_SECRET,
    description:
      "Type a secret (a password, a one-time code, a key) into whatever has keyboard focus, without seeing it: click the field first. " +
      "You never see the value and must not try to read it back from the screen. Do not ask a person for a secret listed here.\n" +
      `Secrets available to this task:\n${list}\n` +
      "An answer to a secret question you asked with ask_human is typed the same way, by the name given in that answer (`answer:…`).",
    input_schema: {
      type: "object",
      properties: {
        name: { type: "string", description: "The secret's name, exactly as listed (or `answer:…`)." },
        field: { type: "string", description: "Which field you are typing into (e.g. \"password\"), for the record." },
      },
      required: ["name"],
    },
  };
}

export type TypeSecretDeps = {
  secretValue(name: string): Promise<SecretValue>;
  type(text: string): Promise<ActionOutcome>;
  /** The `secret_typed` event: name, length, where, never the value. */
  typed(e: { name: string; source: "vault" | "help_answer"; characters: number; field?: string }): void;
};

export async function runTypeSecret(toolUse: BetaToolUseBlock, d: TypeSecretDeps): Promise<BetaToolResultBlockParam> {
  const input = (toolUse.input ?? {}) as { name?: unknown; field?: unknown };
  const fail = (content: string): BetaToolResultBlockParam => ({ type: "tool_result", tool_use_id: toolUse.id, is_error: true, content });
  if (typeof input.name !== "string" || input.name.trim() === "") return fail("type_secret needs the `name` of a secret.");
  const name = input.name.trim();
  const field = typeof input.field === "string" && input.field.trim() ? input.field.trim().slice(0, 200) : undefined;
  const secret = await d.secretValue(name);
  if (!secret.ok) {
    const available = secret.available.length ? secret.available.map((n) => `\`${n}\``).join(", ") : "none";
    return fail(`Nothing was typed: ${secret.message}. Secrets you can type: ${available}.`);
  }
  const characters = secret.value.length;
  const outcome = await d.type(secret.value);
  d.typed({ name, source: secret.source, characters, ...(field ? { field } : {}) });
  const what = secret.source === "help_answer" ? `the secret answer \`${name}\`` : `secret \`${name}\``;
  return {
    type: "tool_result",
    tool_use_id: toolUse.id,
    content: `Typed ${what} (${characters} characters)${field ? ` into ${field}` : ""}; the screen ${outcome.changed ? "changed" : "did not visibly change"}.`,
  };
}
