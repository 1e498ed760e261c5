import { isIP } from "node:net";

// Which addresses web_fetch refuses: link-local ranges, where cloud metadata
// services answer (169.254.169.254, fd00:ec2::254, Alibaba's 100.100.100.200),
// and unspecified addresses. Private and loopback addresses stay reachable:
// the point of fetching from the desktop is its intranet. The check runs on
// every address a name resolves to, at connection time, so a DNS answer that
// changes between a check and the connection cannot slip past it.

const METADATA_V4 = new Set(["100.100.100.200", "192.0.0.192"]);

export function refusedAddress(address: string): string | null {
  const family = isIP(address);
  if (family === 4) return refusedV4(address);
  if (family === 6) {
    const v6 = address.toLowerCase().replace(/%.*$/, "");
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(v6)?.[1];
    if (mapped) return refusedV4(mapped);
    const groups = expandV6(v6);
    if (groups === null) return "an address that is not valid IPv6";
    if (groups.every((g) => g === 0)) return "the unspecified address";
    if ((groups[0]! & 0xffc0) === 0xfe80) return "a link-local address";
    if (groups[0] === 0xfd00 && groups[1] === 0x0ec2) return "a cloud metadata address";
    return null;
  }
  return "not an IP address";
}

function refusedV4(address: string): string | null {
  const [a, b] = address.split(".").map(Number) as [number, number];
  if (a === 169 && b === 254) return "a link-local address (where cloud metadata services answer)";
  if (a === 0) return "the unspecified address";
  if (METADATA_V4.has(address)) return "a cloud metadata address";
  return null;
}

function expandV6(v6: string): number[] | null {
  const [left, right, ...more] = v6.split("::");
  if (more.length > 0) return null;
  const parse = (s: string | undefined) => (s ? s.split(":").map((h) => parseInt(h, 16)) : []);
  const l = parse(left);
  const r = right === undefined ? [] : parse(right);
  const fill = right === undefined ? 0 : 8 - l.length - r.length;
  const all = [...l, ...Array<number>(Math.max(0, fill)).fill(0), ...r];
  return all.length === 8 && all.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? all : null;
}
