import { compareReleases, HOST_RELEASE } from "@deskfleet/protocol";

/**
 * The release of a desktop's host, and when the control plane serves a newer
 * one, what to run on that machine. (A host older than the oldest accepted
 * one is refused at hello and never shows here as connected.)
 */
export function HostRelease({ hostVersion }: { hostVersion: string | undefined }) {
  if (!hostVersion) return null;
  const behind = (compareReleases(hostVersion, HOST_RELEASE) ?? 0) < 0;
  return (
    <p className={behind ? "t-log-warn small" : "muted small"}>
      Host deskfleet-host {hostVersion}
      {behind && (
        <>
          ; this control plane serves {HOST_RELEASE}. Run <code>deskfleet-host upgrade</code> on that machine.
        </>
      )}
    </p>
  );
}
