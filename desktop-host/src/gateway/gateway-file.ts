import { readFileSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { z } from "zod";
import { DesktopId, VncSecurityList } from "@deskfleet/protocol";
import type { TlsTrust } from "@deskfleet/rfb/node-socket";
import { Fingerprint, Model, readCaFile, readPasswordFile, Server, Token, Vnc, VncUser, type HostConfig, type VncSettings } from "../cli/config.ts";

/**
 * The desktops a gateway serves, from a JSON file: each one a VNC server on
 * the gateway's network with its own desktop id and host token. Paths are
 * relative to the file. A token or password written in the file itself needs
 * a file only its owner can read; otherwise they go in files of their own.
 */
const Entry = z.strictObject({
  id: DesktopId,
  vnc: z.string(),
  token: z.string().optional(),
  tokenFile: z.string().optional(),
  vncPassword: z.string().optional(),
  vncPasswordFile: z.string().optional(),
  vncUser: z.string().optional(),
  vncSecurity: z.string().optional(),
  vncTlsCa: z.string().optional(),
  vncTlsFingerprint: z.string().optional(),
  model: z.string().optional(),
});
const GatewayFile = z.strictObject({
  server: z.string().optional(),
  desktops: z.array(Entry).min(1, { message: "list at least one desktop" }).max(64, { message: "at most 64 desktops per gateway" }),
});

/** What one desktop of the gateway runs with: the same settings as `deskfleet-host run`. */
export type GatewayDesktop = Pick<HostConfig, "desktopId" | "token" | "vnc" | "vncPassword" | "model">;
export type GatewayConfig = { server: string | undefined; desktops: GatewayDesktop[] };

export function readGatewayFile(path: string): { config: GatewayConfig } | { problems: string[] } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    return { problems: [`cannot read --desktops ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`] };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { problems: [`${path} is not JSON: ${err instanceof Error ? err.message : String(err)}`] };
  }
  const parsed = GatewayFile.safeParse(json);
  if (!parsed.success) return { problems: parsed.error.issues.map((i) => `${path}: ${i.path.join(".") || "(top)"}: ${i.message}`) };
  const problems: string[] = [];
  const file = parsed.data;
  const here = (p: string) => resolve(dirname(path), p);
  const mode = statSync(path).mode;
  // Group or others may read it: then no secret may be written in it.
  const shared = (mode & 0o077) !== 0;
  const seen = new Set<string>();
  const desktops: GatewayDesktop[] = [];
  let server: string | undefined;
  if (file.server !== undefined) {
    const s = Server.safeParse(file.server);
    if (s.success) server = s.data;
    else problems.push(`${path}: server ${s.error.issues[0]?.message}`);
  }
  for (const [i, e] of file.desktops.entries()) {
    const where = `${path}: desktops.${i} (${e.id})`;
    const problem = (m: string) => problems.push(`${where}: ${m}`);
    if (seen.has(e.id)) problem("the id is listed twice; each desktop needs its own id and host token");
    seen.add(e.id);
    if ((e.token !== undefined || e.vncPassword !== undefined) && shared) {
      problem(`holds a secret (token or vncPassword) in a file others can read: chmod 600 ${path}, or use tokenFile and vncPasswordFile`);
    }
    if ((e.token === undefined) === (e.tokenFile === undefined)) problem("give its host token as token or tokenFile (one of them)");
    if (e.vncPassword !== undefined && e.vncPasswordFile !== undefined) problem("give the VNC password as vncPassword or vncPasswordFile, not both");

    let token: string | undefined;
    const rawToken = e.token ?? (e.tokenFile === undefined ? undefined : readPasswordFile(here(e.tokenFile), "tokenFile"));
    if (typeof rawToken === "object") {
      if ("problem" in rawToken) problem(rawToken.problem);
      else token = rawToken.password.trim();
    } else token = rawToken;
    if (token !== undefined) {
      const t = Token.safeParse(token);
      if (t.success) token = t.data;
      else {
        problem(`token ${t.error.issues[0]?.message}`);
        token = undefined;
      }
    }

    let vncPassword = e.vncPassword;
    if (e.vncPasswordFile !== undefined) {
      const p = readPasswordFile(here(e.vncPasswordFile), "vncPasswordFile");
      if ("problem" in p) problem(p.problem);
      else vncPassword = p.password;
    }

    const vnc = Vnc.safeParse(e.vnc);
    if (!vnc.success) {
      problem(`vnc ${vnc.error.issues[0]?.message}`);
      continue;
    }
    const settings: VncSettings = { ...vnc.data };
    if (e.vncUser !== undefined) {
      const u = VncUser.safeParse(e.vncUser);
      if (u.success) settings.username = u.data;
      else problem(`vncUser ${u.error.issues[0]?.message}`);
    }
    if (e.vncSecurity !== undefined) {
      const s = VncSecurityList.safeParse(e.vncSecurity);
      if (s.success) settings.security = s.data;
      else problem(`vncSecurity ${s.error.issues[0]?.message}`);
    }
    const tls: TlsTrust = {};
    if (e.vncTlsCa !== undefined) {
      const ca = readCaFile(here(e.vncTlsCa), "vncTlsCa");
      if ("pem" in ca) tls.ca = ca.pem;
      else problem(ca.problem);
    }
    if (e.vncTlsFingerprint !== undefined) {
      const f = Fingerprint.safeParse(e.vncTlsFingerprint);
      if (f.success) tls.fingerprint = f.data;
      else problem(`vncTlsFingerprint ${f.error.issues[0]?.message}`);
    }
    if (tls.ca !== undefined || tls.fingerprint !== undefined) settings.tls = tls;
    let model: string | undefined;
    if (e.model !== undefined) {
      const m = Model.safeParse(e.model);
      if (m.success) model = m.data;
      else problem(`model ${m.error.issues[0]?.message}`);
    }
    if (token !== undefined) desktops.push({ desktopId: e.id, token, vnc: settings, vncPassword, model });
  }
  return problems.length ? { problems } : { config: { server, desktops } };
}
