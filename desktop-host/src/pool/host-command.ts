import { basename } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * How this installation starts `deskfleet-host`: the script Node is running
 * when it is deskfleet-host itself (from the repository, the package or a
 * bundle), otherwise (tests calling the CLI in-process) the package's bin.
 */
export function hostCommand(argv: readonly string[] = process.argv, execPath = process.execPath): string[] {
  const script = argv[1];
  if (script && /^deskfleet-host(\.[cm]?[jt]s)?$/.test(basename(script))) return [execPath, ...process.execArgv, script];
  return [execPath, fileURLToPath(new URL("../../bin/deskfleet-host.ts", import.meta.url))];
}
