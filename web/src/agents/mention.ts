import { parseAgentMention } from "@deskfleet/protocol";

/**
 * What the Run box sends for its text: a leading `@name` naming an agent
 * picks it (and is dropped from the prompt); any other text is the prompt as
 * written. A leading @word that names no agent is an error that lists them.
 */
export function runBoxTarget(text: string, agents: readonly string[]): { agent: string | null; prompt: string } | { error: string } {
  const mention = parseAgentMention(text);
  if (!mention) return { agent: null, prompt: text.trim() };
  if (!agents.includes(mention.agent)) {
    return { error: `There is no agent @${mention.agent}. ${agents.length ? `Agents: ${agents.map((a) => `@${a}`).join(", ")}.` : "There are no agents yet."}` };
  }
  if (!mention.prompt) return { error: `Tell @${mention.agent} what to do after its name.` };
  return { agent: mention.agent, prompt: mention.prompt };
}
