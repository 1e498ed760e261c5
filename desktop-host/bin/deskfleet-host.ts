#!/usr/bin/env node
// Node 22 runs this TypeScript directly (type stripping); no build step.
import { main } from "../src/cli/main.ts";

main(process.argv.slice(2), process.env).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`deskfleet-host failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
