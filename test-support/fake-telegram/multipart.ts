/**
 * multipart/form-data as Telegram's server reads it. grammY writes part headers compactly
 * (`content-disposition:form-data;name="photo"`, `filename=a.png` unquoted), which Node's
 * built-in FormData parser rejects, so the fake parses parts itself.
 */
export type Part = { name: string; filename: string | null; contentType: string | null; body: Uint8Array };

export function boundaryOf(contentType: string): string | null {
  const m = /;\s*boundary=(?:"([^"]+)"|([^\s;]+))/i.exec(contentType);
  return m?.[1] ?? m?.[2] ?? null;
}

function indexOf(hay: Uint8Array, needle: Uint8Array, from: number): number {
  outer: for (let i = from; i <= hay.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** Parts in order; throws on a body that is not multipart with this boundary. */
export function parseMultipart(body: Uint8Array, boundary: string): Part[] {
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const delimiter = enc.encode(`--${boundary}`);
  const parts: Part[] = [];
  let at = indexOf(body, delimiter, 0);
  if (at === -1) throw new Error("no boundary in the body");
  for (;;) {
    at += delimiter.length;
    if (body[at] === 0x2d && body[at + 1] === 0x2d) return parts; // closing `--boundary--`
    if (body[at] === 0x0d && body[at + 1] === 0x0a) at += 2;
    const headerEnd = indexOf(body, enc.encode("\r\n\r\n"), at);
    if (headerEnd === -1) throw new Error("a part has no end of headers");
    const headers = dec.decode(body.subarray(at, headerEnd)).split("\r\n");
    const next = indexOf(body, enc.encode(`\r\n--${boundary}`), headerEnd + 4);
    if (next === -1) throw new Error("a part is not terminated by the boundary");
    let name: string | null = null;
    let filename: string | null = null;
    let contentType: string | null = null;
    for (const h of headers) {
      const colon = h.indexOf(":");
      const key = h.slice(0, colon).trim().toLowerCase();
      const value = h.slice(colon + 1).trim();
      if (key === "content-type") contentType = value;
      if (key !== "content-disposition") continue;
      name = /(?:^|;)\s*name=(?:"([^"]*)"|([^;]*))/i.exec(value)?.slice(1).find((v) => v !== undefined)?.trim() ?? null;
      filename = /(?:^|;)\s*filename=(?:"([^"]*)"|([^;]*))/i.exec(value)?.slice(1).find((v) => v !== undefined)?.trim() ?? null;
    }
    if (name === null) throw new Error("a part has no name");
    parts.push({ name, filename, contentType, body: body.slice(headerEnd + 4, next) });
    at = next + 2;
  }
}
