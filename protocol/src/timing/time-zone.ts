/**
 * The canonical spelling of an IANA time zone (`europe/berlin` → `Europe/Berlin`), or null
 * if it is not one. Fixed offsets such as `+02:00` are refused: they have no DST rules,
 * so a schedule in them drifts by an hour twice a year for anyone who meant a place.
 */
export function canonicalTimeZone(name: string): string | null {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(name)) return null;
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}
