// How long an RFB client-to-server message is (RFC 6143 §7.5, plus the
// extensions noVNC speaks), from its first bytes. RFB has no framing, so
// anything that follows a viewer's stream message by message (the relay's
// view-only filter, the bridge's request-ahead) must measure each message to
// find the next.

export class UnknownClientMessage extends Error {}

/** The longest header `measureClientMessage` needs before it can answer. */
export const CLIENT_MESSAGE_HEADER_MAX = 9;

/**
 * The total length of the message whose first `n` bytes are `h[0..n)`, or
 * "more" while the header is incomplete. Throws UnknownClientMessage for a
 * type (or QEMU subtype) whose length cannot be known.
 */
export function measureClientMessage(h: Uint8Array, n: number): number | "more" {
  if (n < 1) return "more";
  const u16 = (at: number) => (h[at]! << 8) | h[at + 1]!;
  const type = h[0]!;
  switch (type) {
    case 0: // SetPixelFormat
      return 20;
    case 2: // SetEncodings
      return n < 4 ? "more" : 4 + 4 * u16(2);
    case 3: // FramebufferUpdateRequest
      return 10;
    case 4: // KeyEvent
      return 8;
    case 5: // PointerEvent
      return 6;
    case 6: // ClientCutText; a negative length is the Extended Clipboard form, |length| bytes either way
      return n < 8 ? "more" : 8 + Math.abs(new DataView(h.buffer, h.byteOffset + 4, 4).getInt32(0));
    case 150: // EnableContinuousUpdates
      return 10;
    case 248: // ClientFence: 3 padding, u32 flags, u8 length, payload
      return n < 9 ? "more" : 9 + h[8]!;
    case 250: // xvp (shutdown, reboot)
      return 4;
    case 251: // SetDesktopSize: padding, u16 w, u16 h, u8 screens, padding, 16 bytes a screen
      return n < 8 ? "more" : 8 + 16 * h[6]!;
    case 253: // GII: u8 endian+subtype, u16 length of the rest
      return n < 4 ? "more" : 4 + u16(2);
    case 255: // QEMU: subtype 0 is an extended key event; 1 is audio (op 2 carries a format)
      if (n < 2) return "more";
      if (h[1] === 0) return 12;
      if (h[1] === 1) return n < 4 ? "more" : u16(2) === 2 ? 10 : 4;
      throw new UnknownClientMessage(`unsupported QEMU client message subtype ${h[1]}`);
    default:
      throw new UnknownClientMessage(`unsupported client message type ${type}; the relay cannot find where it ends`);
  }
}
