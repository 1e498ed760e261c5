import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import { runningBundle } from "../install/bundle-file.ts";

/**
 * How this installation starts `deskfleet-host`: the installed bundle
 * (`deskfleet-host-<release>.mjs`) when this code runs from it, the script
 * Node is running when it is deskfleet-host itself (the repository's bin, the
 * launcher), otherwise (tests calling the CLI in-process) the package's bin.
 */
export function hostCommand(argv: readonly string[] = process.argv, execPath = process.execPath, bundle = runningBundle()): string[] {
  if (bundle) return [execPath, bundle];
  const script = argv[1];
  if (script && /^deskfleet-host([-.][\w.-]*)?$/.test(basename(script))) return [execPath, ...process.execArgv, script];
  return [execPath, fileURLToPath(new URL("../../bin/deskfleet-host.ts", import.meta.url))];
}
