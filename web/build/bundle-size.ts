import { gzipSync } from "node:zlib";
import type { Plugin } from "vite";

export type BundleSizeOptions = {
  /** The most the first screen's JavaScript (the entry and its static imports) may weigh, gzipped. */
  entryBudgetBytes: number;
};

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

/**
 * Prints every emitted chunk's gzipped size and fails the build when the
 * JavaScript a first visit must load grows past the budget (noVNC and other
 * heavy parts belong behind dynamic imports).
 */
export function bundleSize({ entryBudgetBytes }: BundleSizeOptions): Plugin {
  return {
    name: "deskfleet-bundle-size",
    apply: "build",
    generateBundle(_options, bundle) {
      const gz = new Map<string, number>();
      for (const [name, item] of Object.entries(bundle)) {
        const source = item.type === "chunk" ? item.code : item.source;
        gz.set(name, gzipSync(typeof source === "string" ? Buffer.from(source) : Buffer.from(source)).length);
      }
      // The first screen loads the entry chunk plus everything it imports statically.
      const firstScreen = new Set<string>();
      const visit = (name: string) => {
        const item = bundle[name];
        if (!item || item.type !== "chunk" || firstScreen.has(name)) return;
        firstScreen.add(name);
        item.imports.forEach(visit);
      };
      for (const [name, item] of Object.entries(bundle)) if (item.type === "chunk" && item.isEntry) visit(name);
      // Stylesheets the first screen's chunks import load with it too.
      for (const name of [...firstScreen]) {
        const item = bundle[name];
        if (item?.type === "chunk") item.viteMetadata?.importedCss.forEach((css) => firstScreen.add(css));
      }
      const firstScreenBytes = [...firstScreen].filter((n) => n.endsWith(".js")).reduce((sum, n) => sum + (gz.get(n) ?? 0), 0);

      const rows = [...gz.entries()].filter(([n]) => /\.(js|css)$/.test(n)).sort((a, b) => b[1] - a[1]);
      const width = Math.max(...rows.map(([n]) => n.length));
      console.log("\nDashboard bundle (gzipped):");
      for (const [name, bytes] of rows) console.log(`  ${name.padEnd(width)}  ${kb(bytes).padStart(9)}${firstScreen.has(name) ? "  first screen" : "  lazy"}`);
      console.log(`  first screen JavaScript: ${kb(firstScreenBytes)} of ${kb(entryBudgetBytes)} budget\n`);
      if (firstScreenBytes > entryBudgetBytes) {
        this.error(`the first screen's JavaScript is ${kb(firstScreenBytes)} gzipped, over the ${kb(entryBudgetBytes)} budget; load heavy parts with import()`);
      }
    },
  };
}
