/** The WebSocket protocol limits a close reason to 123 bytes of UTF-8. */
export const MAX_CLOSE_REASON_BYTES = 123;

/** The reason cut to fit a close frame, on a character boundary, with an ellipsis when cut. */
export function truncateReason(reason: string): string {
  const bytes = new TextEncoder().encode(reason);
  if (bytes.length <= MAX_CLOSE_REASON_BYTES) return reason;
  return new TextDecoder().decode(bytes.slice(0, 120)).replace(/\uFFFD$/, "") + "…";
}
