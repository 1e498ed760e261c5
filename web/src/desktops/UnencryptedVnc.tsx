/**
 * The control plane dials this desktop's VNC in clear across the network (`vnc://` or `ws://`):
 * say so where a person looks at the desktop, with what to do about it.
 */
export function UnencryptedVncNote({ unencrypted }: { unencrypted: boolean }) {
  if (!unencrypted) return null;
  return (
    <p className="warning" role="note">
      <strong>Unencrypted VNC.</strong> The control plane reaches this desktop's VNC server without encryption across the network: its screen,
      your keystrokes and the VNC password check travel in clear. Use a <code>wss://</code> address (websockify with TLS), or run{" "}
      <code>deskfleet-host</code> on the desktop.
    </p>
  );
}

/** The short form, for a fleet tile. */
export function UnencryptedVncBadge({ unencrypted }: { unencrypted: boolean }) {
  if (!unencrypted) return null;
  return (
    <span className="pill pill-warning" title="The control plane reaches this desktop's VNC without encryption">
      unencrypted VNC
    </span>
  );
}
