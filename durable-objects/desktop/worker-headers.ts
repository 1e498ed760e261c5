// What the Worker tells DesktopDO about a WebSocket it forwards, after it authenticated the caller.

/** The desktop the Worker verified (the host token's desktop, or the viewer's route parameter). */
export const VERIFIED_DESKTOP_HEADER = "x-deskfleet-verified-desktop";
/** Which socket the Worker forwards: the host's control socket (default), a viewer or a tunnel. */
export const SOCKET_KIND_HEADER = "x-deskfleet-socket";
/** A viewer the Worker authenticated by bearer token (JSON `{id, name}`); otherwise the ticket decides. */
export const VERIFIED_VIEWER_HEADER = "x-deskfleet-verified-viewer";
