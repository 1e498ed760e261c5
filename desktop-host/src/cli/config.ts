import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { z } from "zod";
import { DesktopId, VNC_SECURITY_PARAM, VncSecurityList, type VncSecurityMethod } from "@deskfleet/protocol";
import type { TlsTrust } from "@deskfleet/rfb/node-socket";

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
};

export type ConfigProblem = { field: keyof HostConfig | "args"; message: string };
export type ParsedArgs = { command: string | undefined; help: boolean; config: Partial<HostConfig>; problems: ConfigProblem[] };

const OPTIONS = {
  server: { type: "string" },
  desktop: { type: "string" },
  token: { type: "string" },
  vnc: { type: "string" },
  "vnc-password-file": { type: "string" },
  "vnc-user": { type: "string" },
  "vnc-security": { type: "string" },
  "vnc-tls-ca": { type: "string" },
  "vnc-tls-fingerprint": { type: "string" },
  model: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
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

/** Parses `deskfleet-host <command> [flags]` with environment fallbacks; problems say what to fix. */
export function parseHostArgs(argv: readonly string[], env: Record<string, string | undefined>): ParsedArgs {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true }));
  } catch (err) {
    const message = err instanceof Error ? err.message.replace(/\. To specify a positional argument.*$/, "") : String(err);
    return { command: argv[0], help: false, config: {}, problems: [{ field: "args", message: `${message}; see deskfleet-host --help` }] };
  }
  const problems: ConfigProblem[] = [];
  const config: Partial<HostConfig> = { json: values["json"] === true || env["DESKFLEET_LOG_FORMAT"] === "json" };
  const str = (flag: string, envName: string) => {
    const v = values[flag];
    return typeof v === "string" ? v : env[envName] || undefined;
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

  config.server = take("server", "--server / DESKFLEET_SERVER", str("server", "DESKFLEET_SERVER"), Server, "set --server or DESKFLEET_SERVER to the control plane's URL (e.g. https://deskfleet.example.com)");
  config.desktopId = take("desktopId", "--desktop / DESKFLEET_DESKTOP_ID:", str("desktop", "DESKFLEET_DESKTOP_ID"), DesktopId, "set --desktop or DESKFLEET_DESKTOP_ID to this desktop's id as shown in the dashboard");
  config.token = take("token", "--token / DESKFLEET_HOST_TOKEN:", str("token", "DESKFLEET_HOST_TOKEN"), Token, "set DESKFLEET_HOST_TOKEN (or --token) to the desktop's host token from the dashboard");
  const vnc = take("vnc", "--vnc / DESKFLEET_VNC:", str("vnc", "DESKFLEET_VNC") ?? "localhost:5900", Vnc, null);
  config.model = take("model", "--model / DESKFLEET_MODEL:", str("model", "DESKFLEET_MODEL"), Model, null);

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

  const passwordFile = str("vnc-password-file", "DESKFLEET_VNC_PASSWORD_FILE");
  if (passwordFile !== undefined) {
    const password = readPasswordFile(passwordFile, "--vnc-password-file");
    if ("password" in password) config.vncPassword = password.password;
    else problems.push({ field: "vncPassword", message: password.problem });
  } else {
    config.vncPassword = env["DESKFLEET_VNC_PASSWORD"] || undefined;
  }
  return { command: positionals[0], help: values["help"] === true, config, problems };
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
  deskfleet-host run      connect to the control plane and run tasks until stopped
  deskfleet-host doctor   check the VNC server, the control plane, the host token and the API key

Options (flags win over environment variables):
  --server <url>            DESKFLEET_SERVER        the control plane, e.g. https://deskfleet.example.com
  --desktop <id>            DESKFLEET_DESKTOP_ID    this desktop's id, as in the dashboard
  --token <dfh_…>           DESKFLEET_HOST_TOKEN    the desktop's host token (prefer the env var: flags show in ps)
  --vnc <host:port>         DESKFLEET_VNC           the VNC server to drive (default localhost:5900), or vnc://user@host:port
  --vnc-password-file <f>   DESKFLEET_VNC_PASSWORD_FILE, or DESKFLEET_VNC_PASSWORD
  --vnc-user <name>         DESKFLEET_VNC_USER      user name for macOS Screen Sharing (Apple Remote Desktop) and VeNCrypt Plain
  --vnc-security <list>     DESKFLEET_VNC_SECURITY  methods to allow, most preferred first (default: all, in this order):
                            X509Plain,X509Vnc,X509None,TLSPlain,TLSVnc,TLSNone,ARD,VncAuth,None
  --vnc-tls-ca <file>       DESKFLEET_VNC_TLS_CA    PEM CA that signed the VNC server's certificate (VeNCrypt X509*)
  --vnc-tls-fingerprint <sha256>  DESKFLEET_VNC_TLS_FINGERPRINT  pin the VNC server's own certificate instead
  --model <name>            DESKFLEET_MODEL         model when a task names none
  --json                    DESKFLEET_LOG_FORMAT=json   one JSON object a log line
  -h, --help

The Anthropic API key comes from ANTHROPIC_API_KEY (and ANTHROPIC_BASE_URL for a gateway).
Without it the host still connects, view-only: live view, screenshots, input and takeover, no tasks.
`;
