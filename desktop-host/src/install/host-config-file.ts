import { existsSync, readFileSync } from "node:fs";
import { z } from "zod";
import { writePrivateFile } from "./atomic-file.ts";

/**
 * `config.json` of an installed host: the settings `setup` was given, so that
 * `deskfleet-host run` needs no flags. Values are checked where they are used
 * (config.ts), exactly like flags and environment variables. No secrets: the
 * token and the VNC password stay in their own files.
 */
export const HostConfigFile = z
  .object({
    server: z.string(),
    desktopId: z.string(),
    tokenFile: z.string().optional(),
    vnc: z.string().optional(),
    vncPasswordFile: z.string().optional(),
    model: z.string().optional(),
  })
  .strict();
export type HostConfigFile = z.infer<typeof HostConfigFile>;

export type ConfigFileRead = { ok: true; config: HostConfigFile | null } | { ok: false; problem: string };

/** The file's settings; null when there is none, a problem when it cannot be used. */
export function readHostConfigFile(path: string): ConfigFileRead {
  if (!existsSync(path)) return { ok: true, config: null };
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    return { ok: false, problem: `${path} is not valid JSON (${err instanceof Error ? err.message : String(err)}); run the installer again or fix it by hand` };
  }
  const parsed = HostConfigFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, problem: `${path}: ${issue ? `${issue.path.join(".") || "file"}: ${issue.message}` : "not valid"}; run the installer again or fix it by hand` };
  }
  return { ok: true, config: parsed.data };
}

export function writeHostConfigFile(path: string, config: HostConfigFile): void {
  writePrivateFile(path, JSON.stringify(HostConfigFile.parse(config), null, 2) + "\n");
}
