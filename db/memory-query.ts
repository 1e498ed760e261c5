/**
 * Turns a search (a person's words, a task's prompt) into an FTS5 MATCH
 * expression for memories: any of its words, ranked by BM25, so a memory
 * that shares more (and rarer) words comes first. Every word is quoted, so
 * operators and quotes in the input are never FTS syntax (a syntax error
 * would be a 500 from D1); words of four letters or more match as prefixes
 * ("invoic" finds "invoices"), shorter ones exactly; words that say nothing
 * about a memory ("the", "how", "com") are left out. Null when nothing
 * searchable is left.
 */
export function memoryQuery(input: string, maxTerms = 24): string | null {
  const terms = searchTerms(input).slice(0, maxTerms);
  if (terms.length === 0) return null;
  return terms.map((t) => (t.length >= 4 ? `"${t}"*` : `"${t}"`)).join(" OR ");
}

/** The distinct searchable words of a text, lowercased, in order. */
export function searchTerms(input: string): string[] {
  const words = input
    .normalize("NFKC")
    .toLowerCase()
    .split(/[^\p{L}\p{N}_]+/u)
    .filter((w) => w.length >= 2 && !STOPWORDS.has(w) && !/^\d{1,2}$/.test(w));
  return [...new Set(words)];
}

/**
 * A crude stem for comparing words outside FTS5 (which stems with porter):
 * a plural's "s" off, then the first five letters (invoices ~ invoicing).
 */
export function wordStem(word: string): string {
  const w = word.length > 3 && word.endsWith("s") && !word.endsWith("ss") ? word.slice(0, -1) : word;
  return w.length > 5 ? w.slice(0, 5) : w;
}

// English function words, plus words every web task says (they match every memory about a site);
// "example" also as the reserved test domain (shop.example).
const STOPWORDS = new Set(
  (
    "a an and are as at be been but by can could did do does doing for from had has have how i if in into is it its " +
    "me my of on or our should so than that the their them then there these they this to was we were what when where " +
    "which while who why will with would you your yours about after again all also am any because before being both " +
    "each few more most no nor not now off once only other out over own same some such too under until up very " +
    "get got go goes going make need needs please use using used via want let lets just here there's it's i'm " +
    "www http https com org net html example eg"
  ).split(" "),
);
