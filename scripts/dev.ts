/**
 * `npm start`: the whole control plane locally under `wrangler dev`, offline,
 * with local D1 (migrations applied first), R2 and Durable Objects, serving
 * the dashboard and the host bundle (each built first when missing or older
 * than its sources).
 */
import { join } from "node:path";
import { buildDashboard, dashboardState } from "./lib/dashboard-build.ts";
import { ensureHostBundle } from "./lib/host-bundle.ts";
import { ensureDevVars, ROOT, startLocalControlPlane } from "./lib/local-control-plane.ts";

const port = Number(process.env["PORT"] ?? 8787);
const { path, vars, created } = ensureDevVars();
if (created) console.log(`Wrote ${path} with a fresh admin token and secret key (keep it private).`);

const build = dashboardState(ROOT);
if (build.state !== "fresh") {
  console.log(build.state === "missing" ? "Building the dashboard (first run)…" : `Rebuilding the dashboard: ${build.reason}…`);
  const built = buildDashboard(ROOT);
  if (!built.ok) {
    process.stderr.write(built.output);
    console.error("✖ The dashboard did not build (Vite's output is above). Fix what it reports, then run `npm start` again; `npm run build` shows the same output.");
    process.exit(1);
  }
  console.log(`Dashboard built in ${(built.ms / 1000).toFixed(1)} s.`);
}
// The bundle GET /install.sh installs; after the dashboard, whose build empties web/dist.
await ensureHostBundle(ROOT, (line) => console.log(line));

const cp = await startLocalControlPlane({ persistTo: join(ROOT, ".wrangler", "state"), port, envFile: path, inherit: process.env["DESKFLEET_QUIET"] !== "1" });
const token = vars["DESKFLEET_ADMIN_TOKEN"];
const dashboard = cp.url.replace("127.0.0.1", "localhost");
console.log(`
Deskfleet control plane is running at ${dashboard}
  Dashboard:    ${await signInLink(dashboard, token)}  (one-time sign-in link, valid 15 minutes)
  API:          ${cp.url}/api  (OpenAPI: ${cp.url}/api/openapi.json)
  Admin token:  ${token}
  Try:          curl -H "Authorization: Bearer ${token}" ${cp.url}/api/desktops
Press Ctrl+C to stop. Local state lives in .wrangler/state.
`);

/** A one-time link: the code sits in the URL fragment, so it never reaches a server log. */
async function signInLink(base: string, adminToken: string | undefined): Promise<string> {
  const res = await fetch(`${cp.url}/api/session/link`, { method: "POST", headers: { authorization: `Bearer ${adminToken}` } });
  if (!res.ok) return `${base}  (sign in with the admin token below; minting a link failed: ${res.status})`;
  const { code } = (await res.json()) as { code: string };
  return `${base}/#signin=${code}`;
}

const shutdown = async () => {
  await cp.stop();
  process.exit(0);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
