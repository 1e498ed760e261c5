import { fileURLToPath } from "node:url";

/**
 * The bundle this code runs from, or null when it runs from the sources:
 * the build makes the host one `.mjs` file, so there this module's own URL
 * is the bundle's.
 */
export function runningBundle(): string | null {
  const self = fileURLToPath(import.meta.url);
  return self.endsWith(".mjs") ? self : null;
}
