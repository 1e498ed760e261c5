import { createLogger } from "../runtime/logger.ts";
import { SecretRedactions } from "../runtime/secret-redactions.ts";
import { resourceSource } from "../resources/resource-source.ts";
import type { HostConfig } from "./config.ts";
import { startDesktopSession } from "./desktop-session.ts";
import { stopOnSignals } from "./stop-on-signals.ts";
import { taskAbility } from "./task-ability.ts";

/**
 * `deskfleet-host run`: connects and runs tasks until stopped or refused.
 * Without an API key it still connects and serves the desktop, view-only.
 * Returns the exit code.
 */
export async function runCommand(config: HostConfig, env: Record<string, string | undefined>): Promise<number> {
  // Secret values the host learns while it runs (vault secrets, secret answers) are redacted from every line too.
  const redactions = new SecretRedactions();
  const logger = createLogger({ json: config.json, secrets: [config.token, config.vncPassword, env["ANTHROPIC_API_KEY"], env["ANTHROPIC_AUTH_TOKEN"]], redactions });
  const ability = taskAbility(env);
  if (!ability.runsTasks) {
    logger.warn("ANTHROPIC_API_KEY is not set: this desktop is view-only (live view, screenshots, input and takeover work; tasks do not). Export the key and restart deskfleet-host to run tasks");
  }
  const resources = resourceSource(env);
  const session = await startDesktopSession({ config, ability, logger, redactions, resources: resources.read });
  const release = stopOnSignals(logger, (signal) => void session.stop(`host stopped by ${signal}`));
  const exit = await session.exited;
  release();
  resources.close();
  return exit.code;
}
