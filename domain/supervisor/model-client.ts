import Anthropic from "@anthropic-ai/sdk";
import type { Message, MessageCreateParamsNonStreaming } from "@anthropic-ai/sdk/resources/messages/messages";

/**
 * Plain `messages.create` (no server-side threads, no tool runner): the
 * conversation lives in the Durable Object and is sent whole each turn.
 * The SDK retries once; longer outages are retried by the loop across alarms.
 */
export function modelCaller(env: Env): (req: MessageCreateParamsNonStreaming) => Promise<Message> {
  const client = new Anthropic({
    apiKey: env.ANTHROPIC_API_KEY || "missing-api-key",
    baseURL: env.ANTHROPIC_BASE_URL || undefined,
    maxRetries: 1,
    timeout: 180_000,
  });
  return (req) => client.messages.create(req);
}

export const supervisorModel = (env: Env): string => env.DESKFLEET_SUPERVISOR_MODEL || "claude-sonnet-5-5";

/** Without an API key there is no supervisor: nothing is handed to it (healing and learning stay off). */
export const supervisorConfigured = (env: Env): boolean => Boolean(env.ANTHROPIC_API_KEY?.trim());
