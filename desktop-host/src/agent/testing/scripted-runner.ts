import Anthropic from "@anthropic-ai/sdk";
import { afterEach } from "vitest";
import { startScriptedAnthropic, type ScriptedAnthropicOptions } from "../../../../test-support/scripted-anthropic/index.ts";
import { createComputerUseRunner, type ComputerUseRunnerOptions } from "../runner.ts";
import { createInMemoryDesktop } from "./in-memory-screen.ts";

// TEST SUPPORT ONLY: the computer-use runner against the scripted Messages API
// and an in-memory screen; the server is closed after each test.

export function scriptedRunner() {
  let server: Awaited<ReturnType<typeof startScriptedAnthropic>> | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  return async (options: ScriptedAnthropicOptions, runnerOptions: Partial<ComputerUseRunnerOptions> = {}) => {
    server = await startScriptedAnthropic(options);
    const { screen, desktop } = createInMemoryDesktop();
    const client = new Anthropic({ baseURL: server.url, apiKey: "test-key" });
    const runner = createComputerUseRunner({ client, desktop, model: "claude-sonnet-4-6", ...runnerOptions });
    return { server, screen, desktop, runner };
  };
}
