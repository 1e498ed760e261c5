import type { HostReleaseManifest } from "@deskfleet/protocol";

export type InstallerKind = "sh" | "ps1";

/** The control plane's origin, as the installers embed it between single quotes: nothing that could end the quote. */
const ORIGIN = /^https?:\/\/(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * Fills an installer template (desktop-host/install/install.sh or .ps1, as
 * `npm run build` copied it into the assets) with this control plane's origin
 * and the release it serves. Every value is checked to be plain (an origin,
 * a version, a path, hex), so nothing from a request can change the script.
 */
export function renderInstaller(template: string, origin: string, release: HostReleaseManifest): string {
  if (!ORIGIN.test(origin)) throw new Error(`not an origin the installer can embed: ${origin}`);
  const values: Record<string, string> = {
    __DESKFLEET_SERVER__: origin,
    __DESKFLEET_RELEASE__: release.version,
    __DESKFLEET_BUNDLE_PATH__: release.path,
    __DESKFLEET_BUNDLE_SHA256__: release.sha256,
    __DESKFLEET_NODE_MAJOR__: String(release.nodeMajor),
  };
  const script = template.replace(/__DESKFLEET_[A-Z0-9_]+__/g, (name) => {
    const value = values[name];
    if (value === undefined) throw new Error(`the installer template has an unknown placeholder ${name}`);
    return value;
  });
  return script;
}
