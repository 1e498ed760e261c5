import { readFileSync } from "node:fs";
import { homedir, hostname } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { Label } from "@deskfleet/protocol";
// The same rule as a host's: the pool sends its API token, and its hosts their host tokens, to this URL.
import { Server } from "../cli/config.ts";

export type PoolConfig = {
  server: string;
  name: string;
  /** Absent: start with 1, or only show the status of the pool already running. */
  count: number | undefined;
  labels: string[];
  size: { width: number; height: number };
  url: string;
  kiosk: boolean;
  apiToken: string | undefined;
  model: string | undefined;
  json: boolean;
  /** The pool's folder: `$DESKFLEET_HOME/pools/<name>` (default `~/.deskfleet`). */
  dir: string;
};

export type ParsedPoolArgs = { help: boolean; config: Partial<PoolConfig>; problems: string[] };

const OPTIONS = {
  server: { type: "string" },
  name: { type: "string" },
  count: { type: "string" },
  labels: { type: "string" },
  size: { type: "string" },
  url: { type: "string" },
  kiosk: { type: "boolean" },
  "api-token-file": { type: "string" },
  model: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** `<name>-N` must be a desktop id: lowercase letters, digits and dashes, room left for the number. */
const PoolName = z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,54}[a-z0-9])?$/, {
  message: "must be 1-56 lowercase letters, digits and dashes, not starting or ending with a dash (desktops are named <name>-1, <name>-2, …)",
});
const Count = z.coerce.number().int().min(0).max(64, { message: "at most 64 desktops on one machine" });
const Size = z
  .string()
  .regex(/^\d{3,4}x\d{3,4}$/, { message: "must be WIDTHxHEIGHT, e.g. 1280x800" })
  .transform((s) => {
    const [width, height] = s.split("x").map(Number) as [number, number];
    return { width, height };
  })
  .refine((s) => s.width >= 640 && s.height >= 480 && s.width <= 4096 && s.height <= 4096, { message: "must be between 640x480 and 4096x4096" });
const Url = z.string().refine((s) => s === "about:blank" || (URL.canParse(s) && /^(https?|file):$/.test(new URL(s).protocol)), {
  message: "must be an http(s) or file URL, or about:blank",
});

/** This machine's name as a pool name: two machines' pools must not register the same desktops. */
export function defaultPoolName(host = hostname()): string {
  const slug = host.toLowerCase().split(".")[0]!.replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 56).replace(/-+$/, "");
  return slug || "pool";
}

/** Parses `deskfleet-host pool [flags]` with environment fallbacks; problems say what to fix. */
export function parsePoolArgs(argv: readonly string[], env: Record<string, string | undefined>): ParsedPoolArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: false, strict: true }));
  } catch (err) {
    return { help: false, config: {}, problems: [`${err instanceof Error ? err.message : String(err)}; see deskfleet-host pool --help`] };
  }
  const problems: string[] = [];
  const str = (flag: string, envName: string) => {
    const v = values[flag];
    return typeof v === "string" ? v : env[envName] || undefined;
  };
  const take = <T>(source: string, raw: string | undefined, schema: z.ZodType<T>): T | undefined => {
    if (raw === undefined) return undefined;
    const r = schema.safeParse(raw);
    if (r.success) return r.data;
    problems.push(`${source} ${r.error.issues[0]?.message ?? "is not valid"}`);
    return undefined;
  };
  const config: Partial<PoolConfig> = {
    json: values["json"] === true || env["DESKFLEET_LOG_FORMAT"] === "json",
    kiosk: values["kiosk"] === true || env["DESKFLEET_POOL_KIOSK"] === "1",
  };
  const server = take("--server / DESKFLEET_SERVER", str("server", "DESKFLEET_SERVER"), Server);
  if (server !== undefined) config.server = server;
  const name = take("--name / DESKFLEET_POOL_NAME", str("name", "DESKFLEET_POOL_NAME") ?? defaultPoolName(), PoolName);
  if (name !== undefined) {
    config.name = name;
    config.dir = join(env["DESKFLEET_HOME"] || join(homedir(), ".deskfleet"), "pools", name);
  }
  config.count = take("--count / DESKFLEET_POOL_COUNT", str("count", "DESKFLEET_POOL_COUNT"), Count);
  const labels = str("labels", "DESKFLEET_POOL_LABELS");
  config.labels = [];
  for (const label of labels ? labels.split(",").map((l) => l.trim()).filter(Boolean) : []) {
    const r = Label.safeParse(label);
    if (r.success) config.labels.push(label);
    else problems.push(`--labels / DESKFLEET_POOL_LABELS: "${label}": ${r.error.issues[0]?.message}`);
  }
  config.size = take("--size / DESKFLEET_POOL_SIZE", str("size", "DESKFLEET_POOL_SIZE") ?? "1280x800", Size);
  config.url = take("--url / DESKFLEET_POOL_URL", str("url", "DESKFLEET_POOL_URL") ?? "about:blank", Url);
  const model = str("model", "DESKFLEET_MODEL");
  if (model !== undefined) config.model = model.trim();
  const tokenFile = str("api-token-file", "DESKFLEET_API_TOKEN_FILE");
  if (tokenFile !== undefined) {
    try {
      config.apiToken = readFileSync(tokenFile, "utf8").trim();
    } catch (err) {
      problems.push(`cannot read --api-token-file ${tokenFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  } else {
    config.apiToken = env["DESKFLEET_API_TOKEN"] || undefined;
  }
  return { help: values["help"] === true, config, problems };
}

/** What a pool that is not running yet needs on top of the parsed flags. */
export function startProblems(config: Partial<PoolConfig>): string[] {
  const problems: string[] = [];
  if (config.server === undefined) problems.push("set --server or DESKFLEET_SERVER to the control plane's URL (e.g. https://deskfleet.example.com)");
  if (config.apiToken === undefined) {
    problems.push("set DESKFLEET_API_TOKEN (or --api-token-file) to an API token with the admin role: the pool adds its desktops and issues their host tokens (POST /api/tokens, or the admin token)");
  }
  return problems;
}

export const POOL_HELP = `deskfleet-host pool: N desktops on this Linux machine, each with its own host.

Usage:
  deskfleet-host pool --count N    start a pool of N desktops, or scale the running one to N
  deskfleet-host pool              show the running pool's desktops, their CPU and memory

Each desktop is an X display (Xvfb), a window manager (openbox), a VNC server
on localhost with its own password (x11vnc) and Chromium with its own profile,
driven by its own deskfleet-host. They are registered as <name>-1 … <name>-N
with the pool's labels; a process that exits is started again.

Options (flags win over environment variables):
  --server <url>            DESKFLEET_SERVER          the control plane
  --count <n>               DESKFLEET_POOL_COUNT      how many desktops (default 1; 0-64)
  --name <name>             DESKFLEET_POOL_NAME       desktops are <name>-1 … (default: this machine's name)
  --labels <a,b>            DESKFLEET_POOL_LABELS     labels of every desktop of the pool
  --size <WxH>              DESKFLEET_POOL_SIZE       screen size (default 1280x800)
  --url <url>               DESKFLEET_POOL_URL        the browser's first page (default about:blank)
  --kiosk                   DESKFLEET_POOL_KIOSK=1    the browser full screen, without tabs or address bar
  --api-token-file <file>   DESKFLEET_API_TOKEN_FILE, or DESKFLEET_API_TOKEN
                            an API token with the admin role (the pool adds desktops and issues host tokens)
  --model <name>            DESKFLEET_MODEL           model when a task names none
  --json                    DESKFLEET_LOG_FORMAT=json one JSON object a log line
  -h, --help
                            DESKFLEET_HOME            where pools keep profiles and state (default ~/.deskfleet)

ANTHROPIC_API_KEY (and ANTHROPIC_BASE_URL) go to each desktop's host; without it the desktops are view-only.
`;
