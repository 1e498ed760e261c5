import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { HostReleaseManifest, ReleaseVersion } from "@deskfleet/protocol";
import type { AppEnv } from "../app-env.ts";
import { errorResponse } from "../http/route.ts";
import { validationHook } from "../http/errors.ts";
import { ApiError } from "../../domain/api-error.ts";
import { installerTemplate, servedRelease } from "../../domain/host-install/host-assets.ts";
import { renderInstaller, type InstallerKind } from "../../domain/host-install/installer-script.ts";

// Public on purpose, like /api/health: a machine asks for these before it has
// any credential, and they hold none (the token is typed into the installer,
// never fetched). The bundle is the same code as desktop-host/ in the repository.

const text = (description: string) => ({ description, content: { "text/plain": { schema: z.string() } } });
const notBuilt = { 503: errorResponse("The control plane was deployed without the host bundle (`npm run build`)") };
// Served as text, never sniffed into something a browser would run; the installers name the current bundle, so never cached.
const noStore = { "cache-control": "no-store", "x-content-type-options": "nosniff" };

async function installer(env: Env, url: string, kind: InstallerKind): Promise<string> {
  const [release, template] = await Promise.all([servedRelease(env.ASSETS, url), installerTemplate(env.ASSETS, url, kind)]);
  return renderInstaller(template, new URL(url).origin, release);
}

const HostFileParams = z.object({ version: ReleaseVersion, file: z.string().max(100) });

export const hostInstall = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(
    createRoute({
      method: "get",
      path: "/install.sh",
      summary: "The host installer for Linux and macOS (`curl -fsSL <cp>/install.sh | sh -s -- --desktop <id> --token-stdin`)",
      "x-deskfleet-access": "public",
      responses: { 200: text("The installer, with this control plane's URL and the bundle's SHA-256 filled in"), ...notBuilt },
    }),
    async (c) => c.text(await installer(c.env, c.req.url, "sh"), 200, noStore),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/install.ps1",
      summary: "The host installer for Windows PowerShell (`& ([scriptblock]::Create((irm <cp>/install.ps1))) -Desktop <id>`)",
      "x-deskfleet-access": "public",
      responses: { 200: text("The installer, with this control plane's URL and the bundle's SHA-256 filled in"), ...notBuilt },
    }),
    async (c) => c.text(await installer(c.env, c.req.url, "ps1"), 200, noStore),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/host/latest.json",
      summary: "The host release this control plane serves: version, bundle path, SHA-256 (read by `deskfleet-host upgrade`)",
      "x-deskfleet-access": "public",
      responses: { 200: { description: "The release", content: { "application/json": { schema: HostReleaseManifest } } }, ...notBuilt },
    }),
    async (c) => c.json(await servedRelease(c.env.ASSETS, c.req.url), 200, noStore),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/host/{version}/{file}",
      summary: "The host bundle (`deskfleet-host-<version>.mjs`) or its checksum (`….mjs.sha256`), for the release this control plane serves",
      "x-deskfleet-access": "public",
      request: { params: HostFileParams },
      responses: {
        200: { description: "The file", content: { "text/javascript": { schema: z.any().openapi({ type: "string" }) }, "text/plain": { schema: z.any().openapi({ type: "string" }) } } },
        404: errorResponse("Not a file of the release this control plane serves"),
        422: errorResponse("The version is not a release number"),
        ...notBuilt,
      },
    }),
    async (c) => {
      const { version, file } = c.req.valid("param");
      const release = await servedRelease(c.env.ASSETS, c.req.url);
      const path = `/host/${version}/${file}`;
      const checksum = path === `${release.path}.sha256`;
      if (path !== release.path && !checksum) {
        throw new ApiError(404, "not_found", `this control plane serves deskfleet-host ${release.version} only (${release.path} and its .sha256); see /host/latest.json, or run \`deskfleet-host upgrade\``);
      }
      const res = await c.env.ASSETS.fetch(new URL(path, c.req.url));
      // A file missing from the assets comes back as the dashboard's page (single-page mode).
      if (!res.ok || res.headers.get("content-type")?.startsWith("text/html")) throw new ApiError(503, "host_bundle_missing", `the host bundle's manifest names ${path}, which the assets do not hold; run \`npm run build\` and deploy again`);
      const headers = new Headers(res.headers);
      headers.set("content-type", checksum ? "text/plain; charset=utf-8" : "text/javascript; charset=utf-8");
      headers.set("x-content-type-options", "nosniff");
      return new Response(res.body, { status: 200, headers });
    },
  );
