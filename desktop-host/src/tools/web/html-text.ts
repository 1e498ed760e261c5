// A page's readable text from its HTML, without a DOM: scripts, styles and
// other invisible parts dropped, block elements as line breaks, links kept as
// `text (url)`, entities decoded, blank runs collapsed. Good enough for a
// model to read an article, a table or an intranet page.

const DROP = /<(script|style|noscript|template|svg|head|iframe|object)\b[\s\S]*?<\/\1\s*>/gi;
const BLOCK = /<\/?(p|div|section|article|main|header|footer|nav|aside|h[1-6]|ul|ol|table|thead|tbody|tr|pre|blockquote|form|fieldset|dl|dt|dd|figure|figcaption|details|summary|hr|br)\b[^>]*>/gi;
const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " ", mdash: "—", ndash: "–", hellip: "…", copy: "©", laquo: "«", raquo: "»", rsquo: "’", lsquo: "‘", ldquo: "“", rdquo: "”", euro: "€" };

export function htmlToText(html: string): { title: string; text: string } {
  const title = decode(/<title\b[^>]*>([\s\S]*?)<\/title>/i.exec(html)?.[1] ?? "").replace(/\s+/g, " ").trim();
  let s = html.replace(/<!--[\s\S]*?-->/g, "").replace(DROP, " ");
  s = s.replace(/<a\b[^>]*\bhref\s*=\s*("([^"]*)"|'([^']*)')[^>]*>([\s\S]*?)<\/a>/gi, (_m, _q, dq: string | undefined, sq: string | undefined, inner: string) => {
    const href = dq ?? sq ?? "";
    const label = inner.replace(/<[^>]+>/g, "").trim();
    return /^(https?:|\/)/.test(href) && label && label !== href ? `${label} (${href})` : inner;
  });
  s = s.replace(/<(td|th)\b[^>]*>/gi, " | ").replace(/<li\b[^>]*>/gi, "\n- ").replace(BLOCK, "\n").replace(/<[^>]+>/g, "");
  const text = decode(s)
    .split("\n")
    .map((l) => l.replace(/[ \t\f\v\u00a0]+/g, " ").trim())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
  return { title, text };
}

function decode(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
    if (e[0] === "#") {
      const cp = e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(cp) && cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
    }
    return ENTITIES[e.toLowerCase()] ?? m;
  });
}
