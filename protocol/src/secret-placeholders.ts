/**
 * `{{secret:name}}` in a task or schedule prompt names a vault secret the
 * agent may type. The placeholder is never expanded into text the model
 * reads: the host shows the model the name and how to type it instead.
 */
const PLACEHOLDER = /\{\{\s*secret:([a-z0-9][a-z0-9_.-]{0,63})\s*\}\}/g;

/** The secret names a prompt's placeholders mention, each once, in order. */
export function placeholderNames(prompt: string): string[] {
  return [...new Set([...prompt.matchAll(PLACEHOLDER)].map((m) => m[1]!))];
}

/** The prompt as the model reads it: each placeholder becomes a pointer to `type_secret`, never a value. */
export function describePlaceholders(prompt: string): string {
  return prompt.replace(PLACEHOLDER, (_all, name: string) => `[secret \`${name}\`: type it with type_secret {"name": "${name}"}]`);
}
