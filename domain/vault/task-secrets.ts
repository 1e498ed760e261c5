import { envSecretNames, placeholderNames, type TaskOptions } from "@deskfleet/protocol";
import { ApiError } from "../api-error.ts";
import { existingSecretNames } from "../../db/secrets.ts";

/** The vault secrets a task says it will use: its prompt's `{{secret:name}}` placeholders, `options.secrets` and its shell's `env`. */
export function neededSecrets(prompt: string, options: Pick<TaskOptions, "secrets" | "env">): string[] {
  return [...new Set([...placeholderNames(prompt), ...(options.secrets ?? []), ...envSecretNames(options.env)])].sort();
}

/** 422 naming the field when a task or schedule names a secret that does not exist; nothing is created. */
export async function checkNamedSecrets(d1: D1Database, prompt: string, options: Pick<TaskOptions, "secrets"> = {}): Promise<void> {
  // `env` has its own checks (domain/vault/shell-env.ts), with messages about the shell.
  const named = neededSecrets(prompt, { secrets: options.secrets });
  if (named.length === 0) return;
  const known = await existingSecretNames(d1, named);
  const missing = named.filter((n) => !known.has(n));
  if (missing.length === 0) return;
  const field = placeholderNames(prompt).includes(missing[0]!) ? "prompt" : "secrets";
  throw new ApiError(
    422,
    "unknown_secret",
    `${field} names secret${missing.length > 1 ? "s" : ""} ${missing.map((m) => `\`${m}\``).join(", ")} that the vault does not hold; add ${missing.length > 1 ? "them" : "it"} under Settings → Secrets (POST /api/secrets) or fix the name`,
  );
}
