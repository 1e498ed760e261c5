import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../../scripts/lib/local-control-plane.ts";

const RESULTS = join(ROOT, "bench", "RESULTS.md");
const HEADER = "# Benchmarks\n\nEach benchmark runs ours and a baseline side by side in one run on the same machine, and reports ratios. Regenerate a section with `npm run bench -- <name>`.\n";

/** Replaces (or appends) the section `## <name>` of bench/RESULTS.md. */
export function writeSection(name: string, markdown: string): void {
  let text = existsSync(RESULTS) ? readFileSync(RESULTS, "utf8") : HEADER;
  const heading = `## ${name}`;
  const start = text.indexOf(`\n${heading}\n`);
  const section = `\n${heading}\n\n${markdown.trim()}\n`;
  if (start === -1) {
    text = text.trimEnd() + "\n" + section;
  } else {
    const next = text.indexOf("\n## ", start + heading.length + 2);
    text = text.slice(0, start) + section + (next === -1 ? "" : text.slice(next));
  }
  writeFileSync(RESULTS, text.trimEnd() + "\n");
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

export const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

export function machineLine(): string {
  return `Machine: ${process.platform} ${process.arch}, Node ${process.versions.node}, ${new Date().toISOString().slice(0, 10)}.`;
}
