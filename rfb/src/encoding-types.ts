// RFB encoding numbers (RFC 6143 §7.7 and the community registry).
export const Encoding = {
  Raw: 0,
  CopyRect: 1,
  ZRLE: 16,
  DesktopSize: -223,
  LastRect: -224,
  ExtendedDesktopSize: -308,
} as const;

export type EncodingNumber = number;

export function encodingName(encoding: number): string {
  for (const [name, value] of Object.entries(Encoding)) if (value === encoding) return name;
  return `encoding ${encoding}`;
}

/** What a client sends by default: best first, then the pseudo-encodings. */
export const DEFAULT_ENCODINGS: readonly number[] = [
  Encoding.ZRLE,
  Encoding.CopyRect,
  Encoding.Raw,
  Encoding.ExtendedDesktopSize,
  Encoding.DesktopSize,
  Encoding.LastRect,
];
