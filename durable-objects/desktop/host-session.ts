/** What DesktopDO keeps on the host's socket (survives hibernation). */
export type HostAttachment = {
  role: "host";
  desktopId: string;
  connectedAt: number;
  /** Said a hello that passed the checks: from then on the desktop's host socket. */
  helloed: boolean;
};
