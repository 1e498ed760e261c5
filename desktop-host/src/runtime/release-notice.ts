import { compareReleases } from "@deskfleet/protocol";

/** What to tell a person when the control plane serves another host release than this one; null when there is nothing to say. */
export function releaseNotice(own: string, served: string): string | null {
  const order = compareReleases(own, served);
  if (order === null || order === 0) return null;
  return order < 0
    ? `this host is deskfleet-host ${own} and the control plane serves ${served}: run \`deskfleet-host upgrade\` to install it`
    : `this host (deskfleet-host ${own}) is newer than the ${served} the control plane serves; it works while their protocol matches, and deploying the control plane again brings it level`;
}
