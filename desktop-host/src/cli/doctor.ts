import Anthropic from "@anthropic-ai/sdk";
import WebSocket from "ws";
import { CloseCode, compareReleases } from "@deskfleet/protocol";
import { classifyClose } from "../control/close-codes.ts";
import { controlUrl } from "../control/control-channel.ts";
import { isRfbError, type SecurityReport } from "@deskfleet/rfb/rfb-error";
import { METHODS, methodName, offeredSummary } from "@deskfleet/rfb/security-types";
import { connectVnc } from "../runtime/vnc-connection.ts";
import { vncAddress, type VncTarget } from "../runtime/vnc-target.ts";
import { createRedactor } from "../runtime/redact.ts";
import { readableByOthers } from "../install/atomic-file.ts";
import { DownloadError, fetchServedRelease } from "../install/release-download.ts";
import { HOST_VERSION } from "./host-info.ts";
import type { ConfigProblem, HostConfig } from "./config.ts";
import { resourceChecks } from "../pool/pool-doctor.ts";

/** `ok` unless it stops the host; a `warning` is ok but leaves the host doing less (view-only without an API key). */
export type Check = { name: string; ok: boolean; warning?: boolean; detail: string; fix?: string };

/** The agent's default model (desktop-host/src/agent/runner.ts), used when none is configured. */
const AGENT_DEFAULT_MODEL = "claude-sonnet-5-5";

/**
 * `deskfleet-host doctor`: checks each thing the host depends on and says
 * what to fix. It never sends a hello, so a running host's task is not
 * disturbed (its socket is replaced for a moment and it reconnects).
 */
export async function doctor(
  config: Partial<HostConfig>,
  problems: readonly ConfigProblem[],
  env: Record<string, string | undefined>,
  opts: { tokenFile?: string | undefined } = {},
): Promise<Check[]> {
  const checks: Check[] = problems.map((p) => ({ name: "settings", ok: false, detail: p.message }));
  if (opts.tokenFile && config.token) checks.push(checkTokenFile(opts.tokenFile));
  if (config.vnc) checks.push(await checkVnc({ ...config.vnc, password: config.vncPassword }));
  if (config.server) {
    const health = await checkHealth(config.server);
    checks.push(health);
    if (health.ok && config.token && config.desktopId) checks.push(await checkHostToken(config.server, config.desktopId, config.token));
    if (health.ok) checks.push(await checkRelease(config.server));
  }
  checks.push(await checkApiKey(config.model ?? AGENT_DEFAULT_MODEL, env));
  checks.push(...(await checkTools(config)));
  checks.push(...(await resourceChecks(env)));
  return checks;
}

/** Which tools beyond the screen are allowed, and whether the browser and MCP servers answer. */
async function checkTools(config: Partial<HostConfig>): Promise<Check[]> {
  const allow = config.allow ?? [];
  if (allow.length === 0) return [{ name: "tools", ok: true, detail: "screen only: no tools beyond the screen are allowed (--allow shell,files,browser,web,mcp turns them on)" }];
  const checks: Check[] = [{ name: "tools", ok: true, detail: `allowed: ${allow.join(", ")}; task folders in ${config.toolsDir ?? "~/deskfleet"}; a task gets only the tools it asks for` }];
  if (config.cdp && allow.includes("browser")) {
    const url = config.cdp.replace(/^ws/, "http").replace(/\/devtools\/browser\/.*$/, "").replace(/\/+$/, "");
    try {
      const res = await fetch(`${url}/json/version`, { signal: AbortSignal.timeout(3_000) });
      const v = (await res.json()) as { Browser?: string };
      checks.push({ name: "browser (CDP)", ok: true, detail: `${url} answers: ${v.Browser ?? "a browser"}` });
    } catch (err) {
      checks.push({ name: "browser (CDP)", ok: true, warning: true, detail: `${url} does not answer (${err instanceof Error ? err.message : String(err)}); the browser tool fails until it does`, fix: "start Chromium with --remote-debugging-port=<port> and pass that port to --cdp" });
    }
  }
  if (config.mcpConfig) {
    try {
      const { readMcpConfig } = await import("../tools/mcp/mcp-config.ts");
      const { McpServerTools } = await import("../tools/mcp/mcp-server-tool.ts");
      for (const [name, server] of Object.entries(readMcpConfig(config.mcpConfig).servers)) {
        const tools = new McpServerTools(name, server);
        try {
          const opened = await tools.open();
          checks.push({ name: `MCP server ${name}`, ok: true, detail: `${opened.definitions().length} tool(s): ${opened.definitions().map((d) => ("name" in d ? d.name : "")).join(", ")}` });
        } catch (err) {
          checks.push({ name: `MCP server ${name}`, ok: true, warning: true, detail: `does not connect: ${err instanceof Error ? err.message : String(err)}`, fix: "check its command or URL in --mcp-config" });
        } finally {
          await tools.close();
        }
      }
    } catch (err) {
      checks.push({ name: "MCP servers", ok: false, detail: err instanceof Error ? err.message : String(err) });
    }
  }
  return checks;
}

export function formatChecks(checks: readonly Check[], secrets: readonly (string | undefined)[]): string {
  const r = createRedactor(secrets);
  const lines = checks.map((c) => `${!c.ok ? "✗" : c.warning ? "!" : "✓"} ${c.name}: ${c.detail}${c.fix ? `\n    fix: ${c.fix}` : ""}`);
  const failed = checks.filter((c) => !c.ok).length;
  const warned = checks.filter((c) => c.ok && c.warning).length;
  const warnings = `${warned} warning${warned === 1 ? "" : "s"}`;
  if (failed > 0) lines.push(`\n${failed} check${failed === 1 ? "" : "s"} failed${warned ? `, ${warnings}` : ""}.`);
  else lines.push(warned ? `\nNo check failed (${warnings} above): the host can start with \`deskfleet-host run\`.` : "\nAll checks passed: start the host with `deskfleet-host run`.");
  return r.text(lines.join("\n"));
}

async function checkVnc(target: VncTarget): Promise<Check> {
  const where = vncAddress(target);
  const name = "VNC server";
  try {
    const client = await connectVnc(target, 5_000);
    const detail = `${where} answers (RFB ${client.version}), screen ${client.width}×${client.height}${client.name ? `, "${client.name}"` : ""}; ${describeSecurity(client.security)}`;
    await client.close();
    return { name, ok: true, detail };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const code = isRfbError(err) ? err.code : "unknown";
    const offered = isRfbError(err) && err.security ? ` (${describeSecurity(err.security)})` : "";
    const fix: Record<string, string> = {
      "connection-closed": "start the VNC server (e.g. `x11vnc -rfbauth ~/.vnc/passwd -forever -shared -noscr`, or enable Screen Sharing on macOS) or point --vnc at it",
      "password-required": "the VNC server wants a password: set DESKFLEET_VNC_PASSWORD or --vnc-password-file",
      "username-required": "the VNC server wants a user name too (macOS: an account on that Mac): set --vnc-user or DESKFLEET_VNC_USER, and the password",
      "auth-failed": usesUsername(err)
        ? "the VNC user name or password is wrong: check --vnc-user / DESKFLEET_VNC_USER and DESKFLEET_VNC_PASSWORD / --vnc-password-file"
        : "the VNC password is wrong: check DESKFLEET_VNC_PASSWORD / --vnc-password-file",
      "unsupported-security": "let the VNC server offer one of the methods above (TigerVNC: -SecurityTypes X509Vnc,VncAuth; macOS: Screen Sharing), or widen --vnc-security",
      "certificate-untrusted": "if that is your VNC server's certificate, pin it with --vnc-tls-fingerprint <the SHA-256 above> or give its CA with --vnc-tls-ca <file>; or allow a method without a certificate with --vnc-security",
      "tls-failed": "check the VNC server's TLS settings (certificate and key), or allow another method with --vnc-security",
      timeout: "something answers on that port but does not speak VNC in time; check --vnc",
      "unsupported-version": "use a VNC server that speaks RFB 3.3–3.8",
    };
    return { name, ok: false, detail: `${where}: ${message}${offered}`, fix: fix[code] ?? "check --vnc and the VNC server's logs" };
  }
}

function checkTokenFile(path: string): Check {
  const name = "token file";
  if (readableByOthers(path)) return { name, ok: true, warning: true, detail: `${path} is readable by other users of this machine`, fix: `chmod 600 ${path}` };
  return { name, ok: true, detail: `${path} (readable by its owner only)` };
}

/** Whether the control plane serves a newer host than this one. */
async function checkRelease(server: string): Promise<Check> {
  const name = "host release";
  try {
    const served = await fetchServedRelease(server);
    const order = compareReleases(HOST_VERSION, served.version);
    if (order !== null && order < 0) {
      return { name, ok: true, warning: true, detail: `this host is ${HOST_VERSION}; the control plane serves ${served.version}`, fix: "deskfleet-host upgrade" };
    }
    return { name, ok: true, detail: `${HOST_VERSION}${order === 0 ? ", the release the control plane serves" : ` (the control plane serves ${served.version})`}` };
  } catch (err) {
    if (!(err instanceof DownloadError)) throw err;
    // Not this host's problem (it runs either way); only `upgrade` and new installs need the bundle.
    return { name, ok: true, detail: `${HOST_VERSION}; the control plane serves no host release to compare with (${err.message})` };
  }
}

/** Whether the method that failed sent a user name (Apple Remote Desktop, VeNCrypt Plain). */
function usesUsername(err: unknown): boolean {
  const chosen = isRfbError(err) ? err.security?.chosen : undefined;
  return chosen !== undefined && (METHODS[chosen].credentials === "plain" || METHODS[chosen].credentials === "ard");
}

/** `offered VeNCrypt (X509Vnc, TLSVnc), VNC Authentication; chose VeNCrypt X509Vnc`. */
export function describeSecurity(report: SecurityReport): string {
  const offered = `the server offers ${offeredSummary(report.offered, report.vencryptSubtypes)}`;
  return report.chosen ? `security: ${offered}; chose ${methodName(report.chosen)}` : `security: ${offered}`;
}

async function checkHealth(server: string): Promise<Check> {
  const name = "control plane";
  const url = `${server.replace(/^ws/, "http").replace(/\/+$/, "")}/api/health`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    if (res.ok) return { name, ok: true, detail: `${url} answers` };
    return { name, ok: false, detail: `${url} answered HTTP ${res.status}`, fix: "check that --server is the Deskfleet control plane's URL" };
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return { name, ok: false, detail: `cannot reach ${url}: ${cause?.code ?? cause?.message ?? (err as Error).message}`, fix: "check --server, DNS and that this machine can reach it over HTTPS" };
  }
}

/** Opens the control socket and waits briefly for a refusal; staying open means the token and desktop are accepted. */
async function checkHostToken(server: string, desktopId: string, token: string): Promise<Check> {
  const name = "host token";
  const result = await new Promise<{ code: number | null; reason: string; error?: string }>((resolve) => {
    const ws = new WebSocket(controlUrl(server), { headers: { authorization: `Bearer ${token}`, "x-deskfleet-desktop": desktopId }, handshakeTimeout: 5_000 });
    let settled = false;
    const done = (r: { code: number | null; reason: string; error?: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (ws.readyState <= WebSocket.OPEN) ws.close(1000, "doctor done");
      resolve(r);
    };
    const timer = setTimeout(() => done({ code: null, reason: "" }), 1_500);
    ws.on("close", (code, reason) => done({ code, reason: reason.toString() }));
    ws.on("error", (err) => done({ code: -1, reason: "", error: err.message }));
  });
  if (result.error) return { name, ok: false, detail: `the control socket failed: ${result.error}`, fix: "check --server and any proxy in between (WebSockets must pass)" };
  if (result.code === null) return { name, ok: true, detail: `accepted for desktop ${desktopId}` };
  if (result.code === CloseCode.replaced) {
    return { name, ok: true, detail: `accepted for desktop ${desktopId}; another deskfleet-host is connected for it and took the connection back` };
  }
  const verdict = classifyClose(result.code);
  if (verdict.fatal) return { name, ok: false, detail: `${verdict.summary}: ${result.reason}`, fix: verdict.advice };
  return { name, ok: false, detail: `the control socket closed at once (${result.code} ${result.reason})`, fix: "run the doctor again; if it persists, check the control plane's logs" };
}

async function checkApiKey(model: string, env: Record<string, string | undefined>): Promise<Check> {
  const name = "Anthropic API";
  if (!env["ANTHROPIC_API_KEY"] && !env["ANTHROPIC_AUTH_TOKEN"]) {
    return {
      name,
      ok: true,
      warning: true,
      detail: "ANTHROPIC_API_KEY is not set: the host will be view-only (live view, screenshots, input and takeover work; it runs no tasks)",
      fix: "export ANTHROPIC_API_KEY=<your key> (from console.anthropic.com) where the host runs, then restart deskfleet-host",
    };
  }
  const baseURL = env["ANTHROPIC_BASE_URL"];
  const client = new Anthropic({
    ...(env["ANTHROPIC_API_KEY"] ? { apiKey: env["ANTHROPIC_API_KEY"] } : { authToken: env["ANTHROPIC_AUTH_TOKEN"] ?? null }),
    ...(baseURL ? { baseURL } : {}),
    maxRetries: 1,
    timeout: 10_000,
  });
  try {
    const r = await client.messages.countTokens({ model, messages: [{ role: "user", content: "ping" }] });
    return { name, ok: true, detail: `the key works${baseURL ? ` through ${baseURL}` : ""} (count_tokens for ${model}: ${r.input_tokens} tokens)` };
  } catch (err) {
    if (err instanceof Anthropic.AuthenticationError) return { name, ok: false, detail: "the API key was refused (401)", fix: "set ANTHROPIC_API_KEY to a valid key" };
    if (err instanceof Anthropic.PermissionDeniedError) return { name, ok: false, detail: "the API key may not use this API (403)", fix: "check the key's workspace and permissions" };
    if (err instanceof Anthropic.NotFoundError) return { name, ok: false, detail: `model ${model} is not available (404)`, fix: "pass a model your key can use with --model or DESKFLEET_MODEL" };
    if (err instanceof Anthropic.APIConnectionError) {
      return { name, ok: false, detail: `cannot reach ${baseURL ?? "api.anthropic.com"}: ${err.message}`, fix: "check the network (or ANTHROPIC_BASE_URL)" };
    }
    if (err instanceof Anthropic.APIError) return { name, ok: false, detail: `the API answered ${err.status}: ${err.message}`, fix: "try again; if it persists, check status.anthropic.com" };
    return { name, ok: false, detail: String(err), fix: "check ANTHROPIC_API_KEY and ANTHROPIC_BASE_URL" };
  }
}
