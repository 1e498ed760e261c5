/**
 * WebSocket close codes: the standard ones we use and ours (4xxx), shared by
 * the host, the Durable Objects and the dashboard. Its own module, free of
 * zod, so the dashboard can import it without the schemas.
 */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  policy: 1008,
  internal: 1011,
  /** Received, never sent: the peer closed without a code. */
  noStatus: 1005,
  /** Received, never sent: the connection dropped without a close frame. */
  abnormal: 1006,
  // The host's control socket.
  badVersion: 4400,
  badToken: 4401,
  wrongDesktop: 4403,
  replaced: 4409,
  heartbeatTimeout: 4408,
  badMessage: 4422,
  desktopDeleted: 4410,
  // Dashboard sockets (feeds): a refusal that signing in again or another role would fix, not retrying.
  /** The session or token is missing or no longer valid. */
  unauthorized: 4401,
  /** The caller's role may not open this socket. */
  forbidden: 4403,
  // The VNC relay (viewer and tunnel sockets).
  /** The viewer's ticket (or the tunnel's) is missing, used or expired. */
  badTicket: 4401,
  /** The relay's bound for bytes buffered before pairing was exceeded. */
  relayOverflow: 4413,
  /** Too many viewers on one desktop. */
  tooManyViewers: 4429,
  /** The other side of the relay went away (host reconnecting, viewer left): reconnect. */
  peerGone: 4499,
  /** The host (or the DO, for a VNC-only desktop) could not reach or authenticate to the VNC server. */
  vncFailed: 4502,
  /** The desktop has no host connected and no VNC URL. */
  noVncRoute: 4503,
  /** One side of the relay waited for its peer longer than the pairing timeout. */
  pairingTimeout: 4504,
} as const;
