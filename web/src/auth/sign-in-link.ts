/**
 * Reads a one-time code from `#signin=<code>` and removes it from the address
 * bar at once, so it is neither bookmarked nor left in the history.
 */
export function takeSignInCode(): string | null {
  const match = /^#signin=([A-Za-z0-9_-]+)$/.exec(window.location.hash);
  if (!match?.[1]) return null;
  window.history.replaceState(null, "", window.location.pathname + window.location.search);
  return match[1];
}
