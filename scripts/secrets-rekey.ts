/**
 * npm run secrets:rekey [-- --url https://deskfleet.example.workers.dev]
 *
 * After rotating DESKFLEET_SECRET_KEY (the old key kept as
 * DESKFLEET_SECRET_KEY_PREVIOUS; see the README), re-seals every stored
 * value under the new key. Reads DESKFLEET_ADMIN_TOKEN from the environment
 * (or .dev.vars) and the URL from --url, DESKFLEET_PUBLIC_URL or the local
 * http://localhost:8787. Prints counts, never a value. Exit code 1 when a
 * value could not be opened with either key.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ROOT, parseEnvFile } from "./lib/local-control-plane.ts";
import { requestRekey } from "./lib/secrets-rekey.ts";

const { values } = parseArgs({ options: { url: { type: "string" }, "vars-file": { type: "string" } } });
const envFile = values["vars-file"] ?? join(ROOT, ".dev.vars");
const fileVars = existsSync(envFile) ? parseEnvFile(readFileSync(envFile, "utf8")) : {};
const get = (name: string) => process.env[name] || fileVars[name] || "";

const token = get("DESKFLEET_ADMIN_TOKEN");
const url = values.url ?? (get("DESKFLEET_PUBLIC_URL") || "http://localhost:8787");
if (!token) {
  console.error("Cannot re-seal: set DESKFLEET_ADMIN_TOKEN (or run from a checkout whose .dev.vars has it).");
  process.exit(2);
}
try {
  const r = await requestRekey({ url, token });
  console.log(`Re-sealed ${r.resealed.secrets} vault secret(s) and ${r.resealed.desktops} desktop VNC credential(s) under the current DESKFLEET_SECRET_KEY at ${url}.`);
  if (r.unreadable.length > 0) {
    console.error(`Neither DESKFLEET_SECRET_KEY nor DESKFLEET_SECRET_KEY_PREVIOUS opens: ${r.unreadable.join(", ")}. Set those values again (PUT /api/secrets/:name, PATCH /api/desktops/:id).`);
    process.exit(1);
  }
  console.log("Every value is under the current key: remove DESKFLEET_SECRET_KEY_PREVIOUS now (wrangler secret delete DESKFLEET_SECRET_KEY_PREVIOUS, or from .dev.vars).");
} catch (err) {
  console.error(`Re-sealing failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
