import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { DesktopId, HostToolId, VNC_SECURITY_PARAM, VncSecurityList, type VncSecurityMethod } from "@deskfleet/protocol";
import type { TlsTrust } from "@deskfleet/rfb/node-socket";
import { readableByOthers } from "../install/atomic-file.ts";
import { readHostConfigFile, type HostConfigFile } from "../install/host-config-file.ts";
import { installedHome } from "../install/layout.ts";

/** The VNC server to drive and how to authenticate to it, except the password (kept apart: it is a secret). */
export type VncSettings = {
  host: string;
  port: number;
  username?: string;
  security?: VncSecurityMethod[];
  tls?: TlsTrust;
};

/** Everything `deskfleet-host run` needs; flags win over environment variables. */
export type HostConfig = {
  server: string;
  desktopId: string;
  token: string;
  vnc: VncSettings;
  vncPassword: string | undefined;
  model: string | undefined;
  json: boolean;
  /** Tools beyond the screen the owner allows (`--allow shell,files,browser,web,mcp`); none by default. */
  allow?: string[] | undefined;
  /** The desktop's Chromium remote debugging endpoint, for the browser tool. */
  cdp?: string | undefined;
  /** A JSON file of MCP servers to offer as tools. */
  mcpConfig?: string | undefined;
  /** Where task folders are made (default ~/deskfleet). */
  toolsDir?: string | undefined;
  /** More folders the file tools may reach besides the task's own. */
  filesRoots?: string[] | undefined;
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
  "vnc-user": { type: "string" },
  "vnc-security": { type: "string" },
  "vnc-tls-ca": { type: "string" },
  "vnc-tls-fingerprint": { type: "string" },
  model: { type: "string" },
  allow: { type: "string" },
  cdp: { type: "string" },
  "mcp-config": { type: "string" },
  "tools-dir": { type: "string" },
  "files-root": { type: "string", multiple: true },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
} as const;

/** Whether a URL's host is this machine: only there may the host token travel unencrypted. */
export function isLoopback(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}

export const Server = z
  .string()
  .refine((s) => URL.canParse(s) && /^(https?|wss?):$/.test(new URL(s).protocol), {
    message: "must be the control plane's URL, e.g. https://deskfleet.example.com",
  })
  // The host sends its token with every connection: in clear over http://, readable on the way.
  .refine((s) => !URL.canParse(s) || /^(https|wss):$/.test(new URL(s).protocol) || isLoopback(new URL(s)), {
    message: "must use https:// (http:// would send the host token unencrypted); http:// is allowed only for a control plane on this machine (localhost, 127.0.0.1, [::1])",
  });
export const Token = z.string().regex(/^dfh_[A-Za-z0-9_-]{8,}$/, {
  message: "a host token starts with dfh_; copy it from the dashboard (Add desktop) or POST /api/desktops/<id>/host-token",
});
const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]/@?#]+):(\d{1,5})$/;
/** `host:port`, or a VNC URL `vnc://[user@]host[:port][?security=…]` as the dashboard takes it (without a password: flags show in ps). */
export const Vnc = z
  .string()
  .transform((s, ctx): Omit<VncSettings, "tls"> => {
    const match = HOST_PORT.exec(s);
    if (match) return { host: match[1]!.replace(/^\[(.*)\]$/, "$1"), port: Number(match[2]) };
    if (/^vnc:\/\//i.test(s) && URL.canParse(s)) {
      const url = new URL(s);
      if (url.password) {
        ctx.addIssue({ code: "custom", message: "must not carry the VNC password (anyone can read it in ps); use --vnc-password-file or DESKFLEET_VNC_PASSWORD" });
        return z.NEVER;
      }
      const out: Omit<VncSettings, "tls"> = { host: url.hostname.replace(/^\[(.*)\]$/, "$1"), port: url.port ? Number(url.port) : 5900 };
      if (url.username) out.username = decodeURIComponent(url.username);
      const security = url.searchParams.get(VNC_SECURITY_PARAM);
      if (security !== null) {
        const parsed = VncSecurityList.safeParse(security);
        if (!parsed.success) {
          ctx.addIssue({ code: "custom", message: `?${VNC_SECURITY_PARAM}= ${parsed.error.issues[0]?.message ?? "is not valid"}` });
          return z.NEVER;
        }
        out.security = parsed.data;
      }
      return out;
    }
    ctx.addIssue({ code: "custom", message: "use host:port, e.g. localhost:5900 or [::1]:5900 (or vnc://user@host:5900)" });
    return z.NEVER;
  })
  .refine((v) => v.port >= 1 && v.port <= 65535, { message: "the VNC port must be 1-65535" });
export const VncUser = z.string().min(1).max(63, { message: "is longer than 63 characters, more than VNC servers take" });
/** A SHA-256 fingerprint as openssl and browsers print it: 32 hex bytes, colons optional, `sha256:` prefix optional. */
export const Fingerprint = z
  .string()
  .transform((s) => s.trim())
  .refine((s) => /^(sha-?256:)?([0-9a-fA-F]{2}:?){31}[0-9a-fA-F]{2}$/i.test(s), {
    message: "must be the certificate's SHA-256 fingerprint, e.g. AB:CD:…:EF (openssl x509 -noout -fingerprint -sha256 -in cert.pem)",
  });
export const Model = z.string().trim().min(1).max(100);

/**
 * Parses `deskfleet-host <command> [flags]`. Each setting comes from its flag,
 * else its environment variable, else the installed host's config.json
 * (DESKFLEET_HOME/config.json, written by the installer); problems say what to fix.
 */
export function parseHostArgs(argv: readonly string[], env: Record<string, string | undefined>): ParsedArgs {
  let values: Record<string, string | boolean | string[] | undefined>;
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
  const vnc = take("vnc", "--vnc / DESKFLEET_VNC:", str("vnc", "DESKFLEET_VNC", file?.vnc) ?? "localhost:5900", Vnc, null);
  config.model = take("model", "--model / DESKFLEET_MODEL:", str("model", "DESKFLEET_MODEL", file?.model), Model, null);

  if (vnc) {
    const settings: VncSettings = { ...vnc };
    const username = take("vnc", "--vnc-user / DESKFLEET_VNC_USER", str("vnc-user", "DESKFLEET_VNC_USER"), VncUser, null);
    if (username !== undefined) settings.username = username;
    const security = take("vnc", "--vnc-security / DESKFLEET_VNC_SECURITY:", str("vnc-security", "DESKFLEET_VNC_SECURITY"), VncSecurityList, null);
    if (security !== undefined) settings.security = security;
    const tls: TlsTrust = {};
    const fingerprint = take("vnc", "--vnc-tls-fingerprint / DESKFLEET_VNC_TLS_FINGERPRINT", str("vnc-tls-fingerprint", "DESKFLEET_VNC_TLS_FINGERPRINT"), Fingerprint, null);
    if (fingerprint !== undefined) tls.fingerprint = fingerprint;
    const caFile = str("vnc-tls-ca", "DESKFLEET_VNC_TLS_CA");
    if (caFile !== undefined) {
      const ca = readCaFile(caFile, "--vnc-tls-ca");
      if ("pem" in ca) tls.ca = ca.pem;
      else problems.push({ field: "vnc", message: ca.problem });
    }
    if (tls.ca !== undefined || tls.fingerprint !== undefined) settings.tls = tls;
    config.vnc = settings;
  }
  const allow = str("allow", "DESKFLEET_ALLOW");
  if (allow !== undefined) {
    const ids = allow.split(",").map((s) => s.trim()).filter(Boolean);
    const bad = ids.filter((id) => !HostToolId.safeParse(id).success);
    if (bad.length) problems.push({ field: "allow", message: `--allow / DESKFLEET_ALLOW: ${bad.map((b) => JSON.stringify(b)).join(", ")} ${bad.length === 1 ? "is" : "are"} not a tool; allow any of shell, files, browser, web, mcp, mcp:<server>` });
    else config.allow = [...new Set(ids)];
  }
  const cdp = str("cdp", "DESKFLEET_CDP");
  if (cdp !== undefined) {
    if (/^\d{1,5}$/.test(cdp)) config.cdp = `http://127.0.0.1:${cdp}`;
    else if (URL.canParse(cdp) && /^(https?|wss?):$/.test(new URL(cdp).protocol)) config.cdp = cdp;
    else problems.push({ field: "cdp", message: "--cdp / DESKFLEET_CDP: give Chromium's remote debugging port (9222) or its URL (http://127.0.0.1:9222)" });
  }
  config.mcpConfig = str("mcp-config", "DESKFLEET_MCP_CONFIG");
  config.toolsDir = str("tools-dir", "DESKFLEET_TOOLS_DIR");
  const roots = values["files-root"];
  config.filesRoots = Array.isArray(roots) ? roots : env["DESKFLEET_FILES_ROOTS"]?.split(":").filter(Boolean);
  if (config.allow?.includes("browser") && !config.cdp) problems.push({ field: "cdp", message: "--allow browser needs --cdp: start Chromium with --remote-debugging-port=9222 and pass --cdp 9222" });
  if (config.allow?.some((a) => a.startsWith("mcp")) && !config.mcpConfig) problems.push({ field: "mcpConfig", message: "--allow mcp needs --mcp-config <file> listing the MCP servers (see deskfleet-host --help)" });

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

/** A PEM CA file for VeNCrypt X509 methods, or why it cannot be used. */
export function readCaFile(file: string, source: string): { pem: string } | { problem: string } {
  try {
    const pem = readFileSync(file, "utf8");
    if (!pem.includes("-----BEGIN CERTIFICATE-----")) return { problem: `${source} ${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)` };
    return { pem };
  } catch (err) {
    return { problem: `cannot read ${source} ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` };
  }
}

/** A VNC password from a file, or why it cannot be read. */
export function readPasswordFile(file: string, source: string): { password: string } | { problem: string } {
  try {
    // One trailing newline is an artefact of `echo pw > file`, not part of the password.
    return { password: readFileSync(file, "utf8").replace(/\r?\n$/, "") };
  } catch (err) {
    return { problem: `cannot read ${source} ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` };
  }
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
  deskfleet-host pool --count N
                            N desktops on this Linux machine, each with its own host (see pool --help)
  deskfleet-host gateway --desktops <file>
                            one host in front of several VNC servers, each its own desktop (see gateway --help)
  deskfleet-host version    print this host's release
  deskfleet-host setup      install this bundle (the installer at <control plane>/install.sh runs it)

Options of run and doctor (a flag wins over its environment variable, which wins over
the installed host's DESKFLEET_HOME/config.json):
  --server <url>            DESKFLEET_SERVER        the control plane, e.g. https://deskfleet.example.com
  --desktop <id>            DESKFLEET_DESKTOP_ID    this desktop's id, as in the dashboard
  --token-file <file>       DESKFLEET_HOST_TOKEN_FILE   a file holding the host token (chmod 600)
                            DESKFLEET_HOST_TOKEN    the host token itself
  --token <dfh_…>           the host token (visible in ps: prefer the file or the variable)
  --vnc <host:port>         DESKFLEET_VNC           the VNC server to drive (default localhost:5900), or vnc://user@host:port
  --vnc-password-file <f>   DESKFLEET_VNC_PASSWORD_FILE, or DESKFLEET_VNC_PASSWORD
  --vnc-user <name>         DESKFLEET_VNC_USER      user name for macOS Screen Sharing (Apple Remote Desktop) and VeNCrypt Plain
  --vnc-security <list>     DESKFLEET_VNC_SECURITY  methods to allow, most preferred first (default: all, in this order):
                            X509Plain,X509Vnc,X509None,TLSPlain,TLSVnc,TLSNone,ARD,VncAuth,None
  --vnc-tls-ca <file>       DESKFLEET_VNC_TLS_CA    PEM CA that signed the VNC server's certificate (VeNCrypt X509*)
  --vnc-tls-fingerprint <sha256>  DESKFLEET_VNC_TLS_FINGERPRINT  pin the VNC server's own certificate instead
  --model <name>            DESKFLEET_MODEL         model when a task names none

Tools beyond the screen (off unless allowed here, and offered only to tasks that ask for them):
  --allow <list>            DESKFLEET_ALLOW         comma-separated: shell, files, browser, web, mcp, mcp:<server>
  --cdp <port|url>          DESKFLEET_CDP           the desktop Chromium's remote debugging port (browser tool)
  --mcp-config <file>       DESKFLEET_MCP_CONFIG    MCP servers: {"servers": {"name": {"command": "…", "args": […]} | {"url": "https://…"}}}
  --tools-dir <dir>         DESKFLEET_TOOLS_DIR     where task folders are made (default ~/deskfleet; each task works in <dir>/<task id>)
  --files-root <dir>        DESKFLEET_FILES_ROOTS   another folder the file tools may reach (repeat the flag; colon-separated in the variable)
  --json                    DESKFLEET_LOG_FORMAT=json   one JSON object a log line
  -h, --help, --version

The Anthropic API key comes from ANTHROPIC_API_KEY (and ANTHROPIC_BASE_URL for a gateway); an
installed host also reads them from DESKFLEET_HOME/env. Without a key the host still connects,
view-only: live view, screenshots, input and takeover, no tasks.

Exit codes: 0 stopped, 1 failed, 2 bad settings, 3 refused by the control plane (a person must act).
`;
