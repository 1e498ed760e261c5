import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { DesktopId } from "@deskfleet/protocol";
import { readableByOthers } from "../install/atomic-file.ts";
import { readHostConfigFile, type HostConfigFile } from "../install/host-config-file.ts";
import { installedHome } from "../install/layout.ts";

/** Everything `deskfleet-host run` needs; flags win over environment variables. */
export type HostConfig = {
  server: string;
  desktopId: string;
  token: string;
  vnc: { host: string; port: number };
  vncPassword: string | undefined;
  model: string | undefined;
  json: boolean;
};

export type ConfigProblem = { field: keyof HostConfig | "args" | "configFile"; message: string };
export type ParsedArgs = {
  command: string | undefined;
  help: boolean;
  version: boolean;
  config: Partial<HostConfig>;
  problems: ConfigProblem[];
  /** Things that work but should be fixed (a token file others can read). */
  warnings: string[];
  /** Where the token came from, when it was a file (doctor checks its permissions). */
  tokenFile: string | undefined;
};

const OPTIONS = {
  server: { type: "string" },
  desktop: { type: "string" },
  token: { type: "string" },
  "token-file": { type: "string" },
  vnc: { type: "string" },
  "vnc-password-file": { type: "string" },
  model: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
} as const;

export const Server = z
  .string()
  .refine((s) => URL.canParse(s) && /^(https?|wss?):$/.test(new URL(s).protocol), {
    message: "must be the control plane's URL, e.g. https://deskfleet.example.com",
  });
export const Token = z.string().regex(/^dfh_[A-Za-z0-9_-]{8,}$/, {
  message: "a host token starts with dfh_; copy it from the dashboard (Add desktop) or POST /api/desktops/<id>/host-token",
});
export const Vnc = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):(\d{1,5})$/, { message: "use host:port, e.g. localhost:5900 or [::1]:5900" })
  .transform((s) => {
    const i = s.lastIndexOf(":");
    return { host: s.slice(0, i).replace(/^\[(.*)\]$/, "$1"), port: Number(s.slice(i + 1)) };
  })
  .refine((v) => v.port >= 1 && v.port <= 65535, { message: "the VNC port must be 1-65535" });
const Model = z.string().trim().min(1).max(100);

/**
 * Parses `deskfleet-host <command> [flags]`. Each setting comes from its flag,
 * else its environment variable, else the installed host's config.json
 * (DESKFLEET_HOME/config.json, written by the installer); problems say what to fix.
 */
export function parseHostArgs(argv: readonly string[], env: Record<string, string | undefined>): ParsedArgs {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true }));
  } catch (err) {
    const message = err instanceof Error ? err.message.replace(/\. To specify a positional argument.*$/, "") : String(err);
    return { command: argv[0], help: false, version: false, config: {}, problems: [{ field: "args", message: `${message}; see deskfleet-host --help` }], warnings: [], tokenFile: undefined };
  }
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];
  const home = installedHome(env);
  let file: HostConfigFile | null = null;
  if (home) {
    const read = readHostConfigFile(join(home, "config.json"));
    if (read.ok) file = read.config;
    else problems.push({ field: "configFile", message: read.problem });
  }
  const config: Partial<HostConfig> = { json: values["json"] === true || env["DESKFLEET_LOG_FORMAT"] === "json" };
  const str = (flag: string, envName: string, fromFile?: string) => {
    const v = values[flag];
    return typeof v === "string" ? v : env[envName] || fromFile || undefined;
  };
  const take = <T>(field: keyof HostConfig, source: string, raw: string | undefined, schema: z.ZodType<T>, required: string | null): T | undefined => {
    if (raw === undefined) {
      if (required) problems.push({ field, message: required });
      return undefined;
    }
    const r = schema.safeParse(raw);
    if (r.success) return r.data;
    problems.push({ field, message: `${source} ${r.error.issues[0]?.message ?? "is not valid"}` });
    return undefined;
  };

  config.server = take("server", "--server / DESKFLEET_SERVER", str("server", "DESKFLEET_SERVER", file?.server), Server, "set --server or DESKFLEET_SERVER to the control plane's URL (e.g. https://deskfleet.example.com)");
  config.desktopId = take("desktopId", "--desktop / DESKFLEET_DESKTOP_ID:", str("desktop", "DESKFLEET_DESKTOP_ID", file?.desktopId), DesktopId, "set --desktop or DESKFLEET_DESKTOP_ID to this desktop's id as shown in the dashboard");

  // The token: --token, then --token-file, then the environment's, then the installed host's token file.
  let tokenFile: string | undefined;
  let rawToken = typeof values["token"] === "string" ? values["token"] : undefined;
  if (rawToken === undefined && typeof values["token-file"] !== "string") rawToken = env["DESKFLEET_HOST_TOKEN"] || undefined;
  if (rawToken === undefined) {
    tokenFile = str("token-file", "DESKFLEET_HOST_TOKEN_FILE", file?.tokenFile);
    if (tokenFile !== undefined) {
      try {
        rawToken = readFileSync(tokenFile, "utf8").trim();
        if (readableByOthers(tokenFile)) warnings.push(`the host token file ${tokenFile} is readable by other users: chmod 600 ${tokenFile}`);
      } catch (err) {
        problems.push({ field: "token", message: `cannot read the host token file ${tokenFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` });
      }
    }
  }
  config.token = take("token", "--token / DESKFLEET_HOST_TOKEN:", rawToken, Token, tokenFile !== undefined ? null : "set DESKFLEET_HOST_TOKEN (or --token-file) to the desktop's host token from the dashboard");
  config.vnc = take("vnc", "--vnc / DESKFLEET_VNC:", str("vnc", "DESKFLEET_VNC", file?.vnc) ?? "localhost:5900", Vnc, null);
  config.model = take("model", "--model / DESKFLEET_MODEL:", str("model", "DESKFLEET_MODEL", file?.model), Model, null);

  const passwordFile = str("vnc-password-file", "DESKFLEET_VNC_PASSWORD_FILE");
  const fileFromConfig = passwordFile === undefined && !env["DESKFLEET_VNC_PASSWORD"] ? file?.vncPasswordFile : undefined;
  const passwordPath = passwordFile ?? fileFromConfig;
  if (passwordPath !== undefined) {
    try {
      // One trailing newline is an artefact of `echo pw > file`, not part of the password.
      config.vncPassword = readFileSync(passwordPath, "utf8").replace(/\r?\n$/, "");
    } catch (err) {
      problems.push({ field: "vncPassword", message: `cannot read --vnc-password-file ${passwordPath}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` });
    }
  } else {
    config.vncPassword = env["DESKFLEET_VNC_PASSWORD"] || undefined;
  }
  return { command: positionals[0], help: values["help"] === true, version: values["version"] === true, config, problems, warnings, tokenFile };
}

export function isComplete(config: Partial<HostConfig>, problems: readonly ConfigProblem[]): config is HostConfig {
  return problems.length === 0 && config.server !== undefined && config.desktopId !== undefined && config.token !== undefined && config.vnc !== undefined;
}

export const HELP = `deskfleet-host: runs Claude computer-use tasks from a Deskfleet control plane on this desktop.

Usage:
  deskfleet-host run        connect to the control plane and run tasks until stopped
  deskfleet-host doctor     check the VNC server, the control plane, the host token and the API key
  deskfleet-host upgrade    install the host release the control plane serves (checksum checked)
  deskfleet-host service install|uninstall|status
                            run the host as a service (systemd, launchd; Windows: prints the commands)
  deskfleet-host version    print this host's release
  deskfleet-host setup      install this bundle (the installer at <control plane>/install.sh runs it)

Options of run and doctor (a flag wins over its environment variable, which wins over
the installed host's DESKFLEET_HOME/config.json):
  --server <url>            DESKFLEET_SERVER        the control plane, e.g. https://deskfleet.example.com
  --desktop <id>            DESKFLEET_DESKTOP_ID    this desktop's id, as in the dashboard
  --token-file <file>       DESKFLEET_HOST_TOKEN_FILE   a file holding the host token (chmod 600)
                            DESKFLEET_HOST_TOKEN    the host token itself
  --token <dfh_…>           the host token (visible in ps: prefer the file or the variable)
  --vnc <host:port>         DESKFLEET_VNC           the VNC server to drive (default localhost:5900)
  --vnc-password-file <f>   DESKFLEET_VNC_PASSWORD_FILE, or DESKFLEET_VNC_PASSWORD
  --model <name>            DESKFLEET_MODEL         model when a task names none
  --json                    DESKFLEET_LOG_FORMAT=json   one JSON object a log line
  -h, --help, --version

The Anthropic API key comes from ANTHROPIC_API_KEY (and ANTHROPIC_BASE_URL for a gateway); an
installed host also reads them from DESKFLEET_HOME/env. Without a key the host still connects,
view-only: live view, screenshots, input and takeover, no tasks.

Exit codes: 0 stopped, 1 failed, 2 bad settings, 3 refused by the control plane (a person must act).
`;
