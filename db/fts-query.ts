/**
 * Turns what a person typed into a safe FTS5 MATCH expression: every word
 * becomes a quoted prefix term, so operators and quotes in the input can never
 * be a syntax error (which D1 would report as a 500). Returns null when no
 * searchable word is left.
 */
export function ftsQuery(input: string): string | null {
  const words = input
    .normalize("NFKC")
    .split(/[^\p{L}\p{N}_]+/u)
    .filter((w) => w.length > 0)
    .slice(0, 16);
  if (words.length === 0) return null;
  return words.map((w) => `"${w}"*`).join(" ");
}
