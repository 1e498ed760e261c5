/**
 * `npm run deploy`: everything a first (or any) deploy needs, in order:
 * create the D1 database if absent, put its id in wrangler.toml, create the
 * R2 bucket if absent, apply migrations remotely, set missing secrets, build
 * the dashboard and the host bundle (served at /install.sh), deploy.
 * Idempotent: run it again after every change.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./lib/local-control-plane.ts";

const WRANGLER = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const PLACEHOLDER_ID = "00000000-0000-0000-0000-000000000000";

function wrangler(args: string[], opts: { input?: string; capture?: boolean } = {}): { ok: boolean; out: string } {
  const res = spawnSync(process.execPath, [WRANGLER, ...args], {
    cwd: ROOT,
    input: opts.input,
    encoding: "utf8",
    stdio: opts.capture || opts.input !== undefined ? ["pipe", "pipe", "pipe"] : "inherit",
  });
  return { ok: res.status === 0, out: `${res.stdout ?? ""}${res.stderr ?? ""}` };
}

function step(title: string): void {
  console.log(`\n▶ ${title}`);
}

function fail(message: string): never {
  console.error(`\n✖ ${message}`);
  process.exit(1);
}

const config = readFileSync(join(ROOT, "wrangler.toml"), "utf8");

step("Checking that wrangler is logged in");
if (!wrangler(["whoami"], { capture: true }).ok) fail("wrangler is not logged in: run `npx wrangler login` (or set CLOUDFLARE_API_TOKEN) and try again.");

step("D1 database `deskfleet`");
if (config.includes(PLACEHOLDER_ID)) {
  const list = wrangler(["d1", "list", "--json"], { capture: true });
  const existing = list.ok ? (JSON.parse(list.out.slice(list.out.indexOf("["))) as { name: string; uuid: string }[]).find((d) => d.name === "deskfleet") : undefined;
  let id = existing?.uuid;
  if (!id) {
    const created = wrangler(["d1", "create", "deskfleet"], { capture: true });
    if (!created.ok) fail(`could not create the D1 database:\n${created.out}`);
    id = /database_id\s*=\s*"([0-9a-f-]{36})"/.exec(created.out)?.[1] ?? /"database_id":\s*"([0-9a-f-]{36})"/.exec(created.out)?.[1];
    if (!id) fail(`created the database but could not read its id from wrangler's output:\n${created.out}`);
  }
  writeFileSync(join(ROOT, "wrangler.toml"), config.replace(PLACEHOLDER_ID, id));
  console.log(`  using database ${id} (written to wrangler.toml — commit it)`);
} else {
  console.log("  already configured in wrangler.toml");
}

step("R2 bucket `deskfleet-screenshots`");
const buckets = wrangler(["r2", "bucket", "list"], { capture: true });
if (!buckets.out.includes("deskfleet-screenshots")) {
  const created = wrangler(["r2", "bucket", "create", "deskfleet-screenshots"], { capture: true });
  if (!created.ok && !/already exists/i.test(created.out)) fail(`could not create the R2 bucket:\n${created.out}`);
}

step("Applying D1 migrations remotely");
if (!wrangler(["d1", "migrations", "apply", "DB", "--remote"], { input: "y\n" }).ok) fail("migrations failed; nothing was deployed.");

step("Secrets");
const secretList = wrangler(["secret", "list"], { capture: true });
const have = secretList.ok ? secretList.out : "";
const generated: Record<string, string> = {};
for (const name of ["DESKFLEET_ADMIN_TOKEN", "DESKFLEET_SECRET_KEY"]) {
  if (have.includes(`"${name}"`)) {
    console.log(`  ${name}: already set`);
    continue;
  }
  const value = process.env[name] ?? randomBytes(name === "DESKFLEET_SECRET_KEY" ? 32 : 24).toString("base64url");
  if (!wrangler(["secret", "put", name], { input: value }).ok) fail(`could not set ${name}`);
  if (!process.env[name]) generated[name] = value;
  console.log(`  ${name}: set`);
}
for (const name of ["ANTHROPIC_API_KEY", "TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET"]) {
  if (have.includes(`"${name}"`)) continue;
  const value = process.env[name];
  if (value) {
    if (!wrangler(["secret", "put", name], { input: value }).ok) fail(`could not set ${name}`);
    console.log(`  ${name}: set from the environment`);
  } else {
    console.log(`  ${name}: not set (optional; export it and rerun, or \`npx wrangler secret put ${name}\`)`);
  }
}

step("Building the dashboard");
if (spawnSync("npm", ["run", "build"], { cwd: ROOT, stdio: "inherit" }).status !== 0) fail("the build (dashboard and host bundle) failed; nothing was deployed.");

step("Deploying the Worker");
if (!wrangler(["deploy"]).ok) fail("wrangler deploy failed.");

if (generated["DESKFLEET_ADMIN_TOKEN"]) {
  console.log(`\nYour admin token (shown once, store it in a password manager):\n  ${generated["DESKFLEET_ADMIN_TOKEN"]}`);
}
console.log("\n✔ Deployed. Next: add a desktop in the dashboard and run the install line it shows on that machine.");
