import { chmodSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";

/**
 * Replaces a file in one step: the content goes to a fresh file created with
 * its final mode, then is renamed over the old one. No moment exists where it
 * is half written or readable by others, and a running host keeps the bundle
 * it loaded until it restarts.
 */
export function replaceFile(path: string, content: string | Uint8Array, mode: number): void {
  const tmp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    writeFileSync(tmp, content, { mode, flag: "wx" });
    chmodSync(tmp, mode); // the umask may have taken bits away; make the mode exact
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * A file only its owner may read (0600). On Windows the mode is ignored; the
 * user profile's ACL already keeps other users out of ~/.deskfleet.
 */
export function writePrivateFile(path: string, text: string): void {
  replaceFile(path, text, 0o600);
}

/** Whether others than the owner may read the file (POSIX permissions); false on Windows, where modes mean little. */
export function readableByOthers(path: string, platform: NodeJS.Platform = process.platform): boolean {
  if (platform === "win32") return false;
  return (statSync(path).mode & 0o077) !== 0;
}
