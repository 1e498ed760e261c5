/** What DesktopDO keeps on the host's socket (survives hibernation). */
export type HostAttachment = {
  role: "host";
  desktopId: string;
  /** The host token it authenticated with (`host:<fingerprint>`): replacing the token closes this socket. */
  credential: string;
  connectedAt: number;
  /** Said a hello that passed the checks: from then on the desktop's host socket. */
  helloed: boolean;
};
