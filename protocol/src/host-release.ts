import { z } from "zod";

/**
 * The deskfleet-host release this control plane builds, serves at
 * `/host/<version>/` and names in every welcome; the host reports its own in
 * each hello (`capabilities.hostVersion`). Bump it together with
 * desktop-host/package.json's version (a test checks that they agree).
 */
export const HOST_RELEASE = "0.1.0";

/**
 * The oldest host release the control plane accepts at hello. An older host
 * is closed with 4400 and told to run `deskfleet-host upgrade`. Raise it when
 * a host change must reach every desktop before the control plane relies on it.
 */
export const MIN_HOST_RELEASE = "0.1.0";

/** The oldest Node.js major version the host bundle runs on. */
export const HOST_NODE_MAJOR = 22;

/** A release is three numbers (`0.1.0`); nothing else goes into a path or a shell script. */
export const ReleaseVersion = z.string().regex(/^(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})$/, { message: "a release looks like 1.2.3" });

/** Where a release's bundle lives on the control plane (its checksum is beside it, with `.sha256` added). */
export function hostBundlePath(version: string): string {
  return `/host/${version}/deskfleet-host-${version}.mjs`;
}

/**
 * `/host/latest.json`, written by `npm run build` beside the bundle: what the
 * installers and `deskfleet-host upgrade` download and the checksum they
 * check it against.
 */
export const HostReleaseManifest = z.object({
  version: ReleaseVersion,
  path: z.string().regex(/^\/host\/\d+\.\d+\.\d+\/deskfleet-host-\d+\.\d+\.\d+\.mjs$/),
  /** SHA-256 of the bundle's bytes, lowercase hex. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().positive(),
  nodeMajor: z.number().int().min(18),
});
export type HostReleaseManifest = z.infer<typeof HostReleaseManifest>;

/** Orders two releases (negative when `a` is older); null when either is not a release. */
export function compareReleases(a: string, b: string): number | null {
  if (!ReleaseVersion.safeParse(a).success || !ReleaseVersion.safeParse(b).success) return null;
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) {
    const d = pa[i]! - pb[i]!;
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/**
 * Whether the control plane accepts a host that reports `hostVersion` in its
 * hello, and when not, the close reason (at most 123 bytes, as the WebSocket
 * protocol allows) telling it how to upgrade. A version that is not a release
 * number (a development build, another implementation) is judged by its
 * protocol version alone, which the hello checks first.
 */
export function hostReleaseVerdict(hostVersion: string): { ok: true } | { ok: false; reason: string } {
  const order = compareReleases(hostVersion, MIN_HOST_RELEASE);
  if (order === null || order >= 0) return { ok: true };
  return { ok: false, reason: `deskfleet-host ${hostVersion} is older than ${MIN_HOST_RELEASE}, the oldest accepted: run \`deskfleet-host upgrade\`` };
}

/**
 * The one line per OS that installs the host for `desktopId` from the control
 * plane at `origin` (what `POST /api/desktops/:id/host-token` answers). Neither
 * holds the token: the installer asks for it.
 */
export function hostInstallLines(origin: string, desktopId: string): { unix: string; windows: string } {
  return {
    unix: `curl -fsSL ${origin}/install.sh | sh -s -- --desktop ${desktopId} --token-stdin`,
    windows: `& ([scriptblock]::Create((irm ${origin}/install.ps1))) -Desktop ${desktopId}`,
  };
}
