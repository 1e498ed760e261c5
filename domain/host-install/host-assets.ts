import { HostReleaseManifest } from "@deskfleet/protocol";
import { ApiError } from "../api-error.ts";
import type { InstallerKind } from "./installer-script.ts";

const NOT_BUILT =
  "this control plane was deployed without the host bundle; run `npm run build` (npm run deploy does) and deploy again, or `npm start` locally";

/**
 * The host release in the Worker's static assets (`web/dist/host/`, written by
 * `npm run build`). The assets are served as a single-page app, so a missing
 * file comes back as the dashboard's page: only what parses counts.
 */
export async function servedRelease(assets: Fetcher, base: string): Promise<HostReleaseManifest> {
  const res = await assets.fetch(new URL("/host/latest.json", base));
  const parsed = res.ok ? HostReleaseManifest.safeParse(await res.json().catch(() => null)) : null;
  if (!parsed?.success) throw new ApiError(503, "host_bundle_missing", NOT_BUILT);
  return parsed.data;
}

export async function installerTemplate(assets: Fetcher, base: string, kind: InstallerKind): Promise<string> {
  const res = await assets.fetch(new URL(`/host/installer/install.${kind}`, base));
  const text = res.ok ? await res.text() : "";
  if (!text.includes("__DESKFLEET_SERVER__")) throw new ApiError(503, "host_bundle_missing", NOT_BUILT);
  return text;
}
