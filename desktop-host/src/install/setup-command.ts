import { chmodSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { DesktopId } from "@deskfleet/protocol";
import { Server, Token, Vnc } from "../cli/config.ts";
import { HOST_VERSION } from "../cli/host-info.ts";
import { ExitCode } from "../exit-codes.ts";
import { restartIfInstalled, serviceCommand } from "../service/service-command.ts";
import { CARRIED_ENV, mergeEnvFile } from "./env-file.ts";
import { readHostConfigFile, writeHostConfigFile, type HostConfigFile } from "./host-config-file.ts";
import { launcherScript } from "./launcher.ts";
import { defaultHome, installLayout, type InstallLayout } from "./layout.ts";
import { replaceFile, writePrivateFile } from "./atomic-file.ts";
import { readSecret, type SecretSource } from "./token-input.ts";

export type SetupDeps = SecretSource & {
  env: Record<string, string | undefined>;
  /** The bundle to install: the file this process runs from (null from the sources). */
  bundle: string | null;
  out: NodeJS.WritableStream;
  platform: NodeJS.Platform;
  /** The Node that runs this setup: the launcher keeps using it. */
  nodePath: string;
};

export const SETUP_HELP = `deskfleet-host setup: installs this bundle as the host of one desktop.
The installers (GET /install.sh, /install.ps1 on your control plane) download the bundle, check it and run this.

  --server <url>            the control plane (the installer passes its own)
  --desktop <id>            this desktop's id, as in the dashboard
  --token-stdin             read the host token from standard input, or ask on the terminal
                            (without it: DESKFLEET_HOST_TOKEN, or the token already installed)
  --prefix <dir>            install there instead of ~/.deskfleet
  --vnc <host:port>         the VNC server to drive (default localhost:5900)
  --vnc-password-file <f>   a file holding the VNC password
  --service                 also install and start the host as a service
ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL, DESKFLEET_MODEL and DESKFLEET_VNC_PASSWORD, when set,
are saved in <prefix>/env (readable by you only) for the host to read when it starts.
`;

const OPTIONS = {
  server: { type: "string" },
  desktop: { type: "string" },
  "token-stdin": { type: "boolean" },
  prefix: { type: "string" },
  vnc: { type: "string" },
  "vnc-password-file": { type: "string" },
  service: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

type SetupValues = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; strict: true }>>["values"];

function parseSetupArgs(argv: readonly string[]): { values: SetupValues } | { problem: string } {
  try {
    return { values: parseArgs({ args: [...argv], options: OPTIONS, strict: true }).values };
  } catch (err) {
    return { problem: `${err instanceof Error ? err.message : String(err)}; see deskfleet-host setup --help` };
  }
}

/** `deskfleet-host setup`; returns the exit code. */
export async function setupCommand(argv: readonly string[], deps: SetupDeps): Promise<number> {
  const say = (line = "") => deps.out.write(`${line}\n`);
  const stop = (problems: string[]) => {
    deps.out.write(`deskfleet-host setup cannot install:\n${problems.map((p) => `  - ${p}`).join("\n")}\n`);
    return ExitCode.badSettings;
  };
  const parsed = parseSetupArgs(argv);
  if ("problem" in parsed) return stop([parsed.problem]);
  const values = parsed.values;
  if (values.help) {
    deps.out.write(SETUP_HELP);
    return 0;
  }

  const problems: string[] = [];
  const check = <T>(name: string, raw: string | undefined, schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { message: string }[] } } }, required: boolean): T | undefined => {
    if (raw === undefined) {
      if (required) problems.push(`${name} is required`);
      return undefined;
    }
    const r = schema.safeParse(raw);
    if (r.success) return r.data;
    problems.push(`${name}: ${r.error.issues[0]?.message ?? "not valid"}`);
    return undefined;
  };
  const server = check("--server", values.server, Server, true);
  const desktopId = check("--desktop", values.desktop, DesktopId, true);
  if (values.vnc !== undefined) check("--vnc", values.vnc, Vnc, false);
  const passwordFile = values["vnc-password-file"] === undefined ? undefined : resolve(values["vnc-password-file"]);
  if (passwordFile && !existsSync(passwordFile)) problems.push(`--vnc-password-file: ${passwordFile} does not exist`);
  if (!deps.bundle) problems.push("setup installs the bundle it runs from, and this host runs from its sources; use the install line from the dashboard");
  if (problems.length > 0 || !server || !desktopId || !deps.bundle) return stop(problems);

  const layout = installLayout(resolve(values.prefix ?? defaultHome()), deps.platform);
  const previous = readHostConfigFile(layout.configFile);
  const kept = previous.ok && previous.config ? previous.config : null;

  const token = await takeToken(values["token-stdin"] === true, desktopId, layout, deps);
  if (!token.ok) return stop([token.problem]);

  mkdirSync(layout.home, { recursive: true, mode: 0o700 });
  if (deps.platform !== "win32") chmodSync(layout.home, 0o700);
  mkdirSync(layout.bin, { recursive: true });
  mkdirSync(layout.lib, { recursive: true });

  if (resolve(deps.bundle) !== resolve(layout.bundle)) replaceFile(layout.bundle, readFileSync(deps.bundle), 0o644);
  writePrivateFile(layout.tokenFile, `${token.value}\n`);
  const config: HostConfigFile = {
    server,
    desktopId,
    tokenFile: layout.tokenFile,
    // A rerun (say, for a new token) keeps the VNC settings it is not given.
    ...((values.vnc ?? kept?.vnc) ? { vnc: values.vnc ?? kept?.vnc } : {}),
    ...((passwordFile ?? kept?.vncPasswordFile) ? { vncPasswordFile: passwordFile ?? kept?.vncPasswordFile } : {}),
    ...(kept?.model ? { model: kept.model } : {}),
  };
  writeHostConfigFile(layout.configFile, config);
  const carried = Object.fromEntries(CARRIED_ENV.flatMap((name) => (deps.env[name] ? [[name, deps.env[name]!]] : [])));
  const envNow = mergeEnvFile(layout.envFile, carried);
  replaceFile(layout.launcher, launcherScript(layout, deps.nodePath, deps.platform), 0o755);

  say(`✓ deskfleet-host ${HOST_VERSION} installed in ${layout.home} for desktop ${desktopId} of ${server}`);
  say(`  host:    ${layout.launcher}`);
  say(`  token:   ${layout.tokenFile} (readable by you only)`);
  say(`  config:  ${layout.configFile} (VNC ${config.vnc ?? "localhost:5900"}${config.vncPasswordFile ? `, password from ${config.vncPasswordFile}` : ""})`);
  const saved = Object.keys(carried);
  say(`  secrets: ${layout.envFile} (readable by you only)${saved.length ? `: saved ${saved.join(", ")} from this shell's environment` : ""}`);
  if (!envNow["ANTHROPIC_API_KEY"] && !envNow["ANTHROPIC_AUTH_TOKEN"]) {
    say(`  ! no ANTHROPIC_API_KEY yet: the desktop is view-only (live view, screenshots, input) until you add`);
    say(`    ANTHROPIC_API_KEY=<your key> to ${layout.envFile} and restart the host`);
  }
  say();

  const serviceCtx = { desktopId, launcher: layout.launcher, platform: deps.platform, env: deps.env, out: deps.out };
  if (values.service) return serviceCommand(["install"], serviceCtx);
  const restarted = restartIfInstalled(serviceCtx);
  if (restarted === "restarted") {
    say("The host's service was running and has been restarted with this install.");
    return 0;
  }
  say("Next:");
  const next: [string, string][] = [
    ["doctor", "check the VNC server, the control plane, the token and the API key"],
    ["run", "run the host in this terminal"],
    ["service install", "run it as a service: now, at every login, restarted after a failure"],
  ];
  for (const [command, what] of next) say(`  ${`${layout.launcher} ${command}`.padEnd(layout.launcher.length + 18)}${what}`);
  say(deps.platform === "win32" ? `Add ${layout.bin} to your PATH to type just deskfleet-host.` : `Add it to your PATH to type just deskfleet-host:  export PATH="${layout.bin}:$PATH"`);
  return 0;
}

async function takeToken(fromStdin: boolean, desktopId: string, layout: InstallLayout, deps: SetupDeps): Promise<{ ok: true; value: string } | { ok: false; problem: string }> {
  let raw: string | null = null;
  let where: string;
  if (fromStdin) {
    where = "the token read from standard input";
    raw = await readSecret(deps, `Paste the host token for desktop ${desktopId} (from the dashboard; it is not shown), then Enter: `);
    if (!raw) {
      return {
        ok: false,
        problem:
          "--token-stdin: no token on standard input and no terminal to ask on. Pipe it in: save the installer and run `sh install.sh --desktop " +
          desktopId +
          " --token-stdin < token-file`",
      };
    }
  } else if (deps.env["DESKFLEET_HOST_TOKEN"]) {
    where = "DESKFLEET_HOST_TOKEN";
    raw = deps.env["DESKFLEET_HOST_TOKEN"];
  } else if (existsSync(layout.tokenFile)) {
    where = layout.tokenFile;
    raw = readFileSync(layout.tokenFile, "utf8").trim();
  } else {
    return { ok: false, problem: "no host token: pass --token-stdin (the installer then asks for it), or set DESKFLEET_HOST_TOKEN" };
  }
  const parsed = Token.safeParse(raw);
  if (!parsed.success) return { ok: false, problem: `${where}: ${parsed.error.issues[0]?.message ?? "not a host token"}` };
  return { ok: true, value: parsed.data };
}
