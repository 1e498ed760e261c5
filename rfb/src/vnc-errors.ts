/**
 * What a failed VNC connection may say to whoever asked — a person's viewer, or a model (the
 * supervisor's or the agent's), which must never learn internal addresses: a page it read could
 * make it use them. Addresses go to the log for the operator; the message keeps what went wrong.
 */
export function connectFailure(error: unknown): string {
  const text = String(error);
  if (/refused/i.test(text)) return "the connection was refused";
  if (/timed? ?out/i.test(text)) return "the connection timed out";
  if (/not (found|known)|ENOTFOUND|resolve/i.test(text)) return "the host name did not resolve";
  if (/reset|closed/i.test(text)) return "the connection was closed";
  return "a network error";
}

/** Removes IP addresses and `host:port` pairs from a message that may reach a model. */
export function withoutAddresses(message: string): string {
  return message
    .replace(/\[[0-9a-f:.]+\](:\d+)?/gi, "<address>")
    .replace(/\b\d{1,3}(\.\d{1,3}){3}(:\d+)?\b/g, "<address>")
    .replace(/\b[a-z0-9-]+(\.[a-z0-9-]+)*:\d{2,5}\b/gi, "<address>");
}
