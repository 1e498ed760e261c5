import { HostRuntime } from "../runtime/host-runtime.ts";
import { createLogger } from "../runtime/logger.ts";
import { SecretRedactions } from "../runtime/secret-redactions.ts";
import { VncConnection } from "../runtime/vnc-connection.ts";
import type { HostConfig } from "./config.ts";
import { HOST_VERSION, hostCapabilities, osName } from "./host-info.ts";
import { createHostRunner } from "./runner-factory.ts";
import { taskAbility } from "./task-ability.ts";
import { liveDesktop } from "../tunnel/live-desktop.ts";
import { hostToolbox } from "../tools/host-toolbox.ts";

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
  const tools = hostToolbox({ allow: config.allow ?? [], cdp: config.cdp, mcpConfig: config.mcpConfig, toolsDir: config.toolsDir, filesRoots: config.filesRoots, logger });
  if (tools) logger.info(`tools beyond the screen allowed: ${tools.enabled.join(", ") || "none available"}; a task gets those it asks for`);
  const vnc = new VncConnection({ ...config.vnc, password: config.vncPassword }, logger);
  const first = await vnc.start();
  if (!first.reachable) logger.warn("starting without the VNC server; tasks fail until it is reachable (retrying in the background)");
  const runtime = new HostRuntime({
    server: config.server,
    desktopId: config.desktopId,
    token: config.token,
    runner: createHostRunner({ vnc, model: config.model, os: osName(), ability, tools }),
    capabilities: async () => hostCapabilities(vnc.status(), config.model, ability, tools?.enabled ?? []),
    logger,
    userAgent: `deskfleet-host/${HOST_VERSION} node/${process.version}`,
    release: HOST_VERSION,
    redactions,
    live: liveDesktop({ server: config.server, token: config.token, vnc: { ...config.vnc, password: config.vncPassword }, log: (m, f) => logger.info(m, f) }),
  });
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals > 1) process.exit(130); // a second Ctrl-C means now
    logger.info(`${signal}: stopping (the running task is cancelled; press Ctrl-C again to quit at once)`);
    void runtime.stop(`host stopped by ${signal}`);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  runtime.start();
  const exit = await runtime.exited;
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  await vnc.close();
  await tools?.close();
  return exit.code;
}
