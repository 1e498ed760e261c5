import { parseArgs } from "node:util";
import { createLogger } from "../runtime/logger.ts";
import { Model, Server } from "../cli/config.ts";
import { startDesktopSession, type DesktopSession } from "../cli/desktop-session.ts";
import { stopOnSignals } from "../cli/stop-on-signals.ts";
import { taskAbility } from "../cli/task-ability.ts";
import { readGatewayFile } from "./gateway-file.ts";

export const GATEWAY_HELP = `deskfleet-host gateway: one host in front of several VNC servers on its network.

Usage:
  deskfleet-host gateway --desktops <file>

Each desktop in the file is served as if its own deskfleet-host ran beside
it: its own host token, control channel, live view, screenshots, input and
tasks. Use it for machines the control plane cannot reach (a private LAN:
Cloudflare cannot dial into it) and that cannot run a host themselves.

The file (JSON; paths are relative to it):
  { "server": "https://deskfleet.example.com",
    "desktops": [
      { "id": "lab-pc-1", "vnc": "192.168.1.20:5900", "tokenFile": "lab-pc-1.token", "vncPasswordFile": "lab-pc-1.vnc" },
      { "id": "mac-mini", "vnc": "vnc://ada@192.168.1.30:5900", "tokenFile": "mac-mini.token", "vncPasswordFile": "mac.pass" } ] }
  Per desktop: id, vnc, token or tokenFile, vncPassword or vncPasswordFile, vncUser, vncSecurity,
  vncTlsCa, vncTlsFingerprint, model (as deskfleet-host run's flags). A token or password written
  in the file itself needs a file only you can read (chmod 600).

Options (flags win over the file, the file over the environment):
  --desktops <file>         DESKFLEET_GATEWAY_DESKTOPS  the desktops
  --server <url>            DESKFLEET_SERVER            the control plane
  --model <name>            DESKFLEET_MODEL             model when neither the task nor the desktop names one
  --json                    DESKFLEET_LOG_FORMAT=json   one JSON object a log line
  -h, --help

ANTHROPIC_API_KEY runs tasks on every desktop of the gateway; without it they are view-only.
`;

const OPTIONS = { desktops: { type: "string" }, server: { type: "string" }, model: { type: "string" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } } as const;

/**
 * `deskfleet-host gateway --desktops file`: one process serving several
 * desktops. Each runs on its own; one refused (say its token was replaced)
 * ends alone, and the gateway ends when the last one has.
 */
export async function gatewayCommand(argv: readonly string[], env: Record<string, string | undefined>): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: false, strict: true }));
  } catch (err) {
    return refuse([`${err instanceof Error ? err.message : String(err)}; see deskfleet-host gateway --help`]);
  }
  if (values["help"] === true) {
    process.stdout.write(GATEWAY_HELP);
    return 0;
  }
  const file = typeof values["desktops"] === "string" ? values["desktops"] : env["DESKFLEET_GATEWAY_DESKTOPS"];
  if (!file) return refuse(["set --desktops (or DESKFLEET_GATEWAY_DESKTOPS) to the file listing the desktops (see deskfleet-host gateway --help)"]);
  const read = readGatewayFile(file);
  if ("problems" in read) return refuse(read.problems);
  const problems: string[] = [];
  const rawServer = typeof values["server"] === "string" ? values["server"] : (read.config.server ?? env["DESKFLEET_SERVER"]);
  const server = rawServer === undefined ? undefined : Server.safeParse(rawServer);
  if (!server) problems.push("set --server, \"server\" in the file, or DESKFLEET_SERVER to the control plane's URL");
  else if (!server.success) problems.push(`--server ${server.error.issues[0]?.message}`);
  const rawModel = typeof values["model"] === "string" ? values["model"] : env["DESKFLEET_MODEL"];
  const model = rawModel === undefined ? undefined : Model.safeParse(rawModel);
  if (model && !model.success) problems.push(`--model ${model.error.issues[0]?.message}`);
  if (problems.length || !server?.success) return refuse(problems);

  const desktops = read.config.desktops;
  const json = values["json"] === true || env["DESKFLEET_LOG_FORMAT"] === "json";
  const logger = createLogger({ json, secrets: [...desktops.flatMap((d) => [d.token, d.vncPassword]), env["ANTHROPIC_API_KEY"], env["ANTHROPIC_AUTH_TOKEN"]] });
  const ability = taskAbility(env);
  if (!ability.runsTasks) logger.warn("ANTHROPIC_API_KEY is not set: every desktop of this gateway is view-only (live view, screenshots, input and takeover work; tasks do not)");
  logger.info(`gateway serving ${desktops.length} desktop${desktops.length === 1 ? "" : "s"}`, { desktops: desktops.map((d) => d.desktopId), server: server.data });

  const sessions: DesktopSession[] = [];
  let stopping = false;
  const release = stopOnSignals(logger, (signal) => {
    stopping = true;
    for (const s of sessions) void s.stop(`gateway stopped by ${signal}`);
  });
  // The desktops start side by side: one whose VNC server is down must not hold up the others.
  sessions.push(...(await Promise.all(desktops.map((d) =>
    startDesktopSession({
      config: { ...d, server: server.data, model: d.model ?? (model?.success ? model.data : undefined) },
      ability,
      logger: logger.child({ desktop: d.desktopId }),
      // The desktops are other machines: this host cannot measure them, and its own figures would mislead.
    }),
  ))));
  if (stopping) for (const s of sessions) void s.stop("gateway stopping");
  const exits = await Promise.all(sessions.map((s) => s.exited));
  release();
  return exits.some((e) => e.code !== 0) ? 1 : 0;
}

function refuse(problems: readonly string[]): number {
  process.stderr.write(`deskfleet-host gateway cannot start:\n${problems.map((p) => `  - ${p}`).join("\n")}\n`);
  return 2;
}
