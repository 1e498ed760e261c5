#!/bin/sh
# Installs deskfleet-host from the Deskfleet control plane that served this file:
#
#   curl -fsSL https://<control plane>/install.sh | sh -s -- --desktop <id> --token-stdin
#
# Node.js 22 or newer is all it needs. Node downloads the host bundle from the
# same control plane, checks its SHA-256 against the one the control plane
# published, and the bundle installs itself under ~/.deskfleet (or --prefix).
# The host token comes from standard input, or, when standard input is this
# script (the line above), from the terminal, so it is never on a command line.
# Only shell builtins and node run here: a PATH holding just Node is enough.
#
# Options (passed on to `deskfleet-host setup`):
#   --desktop <id>            this desktop's id, as in the dashboard (required)
#   --token-stdin             read the host token from stdin, or ask on the terminal
#   --prefix <dir>            install there instead of ~/.deskfleet
#   --vnc <host:port>         the VNC server the host drives (default localhost:5900)
#   --vnc-password-file <f>   a file holding the VNC password
#   --server <url>            the URL the host dials, when it differs from this one
#   --service                 also install and start the host as a service

# Filled in by the control plane when it serves this file.
DESKFLEET_SERVER='__DESKFLEET_SERVER__'
DESKFLEET_RELEASE='__DESKFLEET_RELEASE__'
DESKFLEET_BUNDLE_PATH='__DESKFLEET_BUNDLE_PATH__'
DESKFLEET_BUNDLE_SHA256='__DESKFLEET_BUNDLE_SHA256__'
DESKFLEET_NODE_MAJOR='__DESKFLEET_NODE_MAJOR__'

# Runs in Node (fetch and SHA-256 need no curl, sha256sum or shasum). The
# bundle is written to a private temporary folder, checked, then asked to
# install itself; standard input passes through to it for the token.
DESKFLEET_BOOTSTRAP='
const { createHash } = require("node:crypto");
const { mkdtempSync, writeFileSync, rmSync } = require("node:fs");
const { tmpdir } = require("node:os");
const { join } = require("node:path");
const { spawnSync } = require("node:child_process");
const [server, path, expected, release, ...args] = process.argv.slice(1);
const fail = (lines) => {
  process.stderr.write(lines.map((l, i) => (i === 0 ? "deskfleet install: " : "  ") + l).join("\n") + "\n");
  process.exit(1);
};
(async () => {
  const url = new URL(path, server).href;
  process.stderr.write("Downloading deskfleet-host " + release + " from " + server + "\n");
  let res;
  try {
    res = await fetch(url);
  } catch (err) {
    fail(["cannot download " + url + ": " + ((err.cause && (err.cause.code || err.cause.message)) || err.message), "Check that this machine reaches the control plane, then run the installer again."]);
  }
  if (!res.ok) fail([url + " answered HTTP " + res.status + ".", "The control plane may have been deployed meanwhile: fetch install.sh again and rerun it."]);
  let bytes;
  try {
    bytes = Buffer.from(await res.arrayBuffer());
  } catch (err) {
    fail(["the download of " + url + " broke off (" + err.message + "); nothing was installed.", "Run the installer again."]);
  }
  const actual = createHash("sha256").update(bytes).digest("hex");
  if (actual !== expected) {
    fail([
      "the downloaded host bundle failed its checksum; nothing was installed.",
      "bundle:   " + url,
      "expected: " + expected + " (published by the control plane)",
      "got:      " + actual + " (" + bytes.length + " bytes)",
      "Something between this machine and the control plane changed the file (a proxy or a cache), or the download broke.",
      "Run the installer again; if it fails the same way, download from another network or ask whoever runs the control plane.",
    ]);
  }
  process.stderr.write("Checksum verified (SHA-256 " + actual + ")\n");
  const dir = mkdtempSync(join(tmpdir(), "deskfleet-install-"));
  const bundle = join(dir, "deskfleet-host-" + release + ".mjs");
  writeFileSync(bundle, bytes, { mode: 0o600 });
  const withServer = args.includes("--server") ? args : ["--server", server, ...args];
  const r = spawnSync(process.execPath, [bundle, "setup", ...withServer], { stdio: "inherit" });
  rmSync(dir, { recursive: true, force: true });
  process.exit(r.status === null ? 1 : r.status);
})();
'

deskfleet_fail() {
  printf 'deskfleet install: %s\n' "$1" >&2
  exit 1
}

deskfleet_main() {
  if ! command -v node >/dev/null 2>&1; then
    deskfleet_fail "node is not on PATH. deskfleet-host needs Node.js $DESKFLEET_NODE_MAJOR or newer: install it (https://nodejs.org or your package manager) and run this line again."
  fi
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null)
  if ! [ "$major" -ge "$DESKFLEET_NODE_MAJOR" ] 2>/dev/null; then
    deskfleet_fail "Node.js $(node --version 2>/dev/null) is too old: deskfleet-host $DESKFLEET_RELEASE needs Node.js $DESKFLEET_NODE_MAJOR or newer. Upgrade Node and run this line again."
  fi
  node -e "$DESKFLEET_BOOTSTRAP" -- "$DESKFLEET_SERVER" "$DESKFLEET_BUNDLE_PATH" "$DESKFLEET_BUNDLE_SHA256" "$DESKFLEET_RELEASE" "$@"
}

# Last line, and everything above is only definitions: the shell has read the
# whole script before anything reads standard input (piped in, it is this script).
deskfleet_main "$@"
