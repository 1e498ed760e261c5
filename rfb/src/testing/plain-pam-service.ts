import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// VeNCrypt's Plain methods send a user name and password that Xvnc checks
// with PAM. Instead of a system account, a PAM service of its own accepts
// exactly one user name and password (pam_exec runs a script that compares
// them). Writing the service needs root; tests without it skip Plain.

export type PlainPamService = { service: string; username: string; password: string; remove(): void };

/** Why Plain cannot be tested here, or null. */
export function plainPamUnavailable(): string | null {
  if (process.getuid?.() !== 0) return "VeNCrypt Plain needs a PAM service in /etc/pam.d, which only root can write";
  if (!existsSync("/etc/pam.d")) return "no /etc/pam.d on this machine";
  if (spawnSync("sh", ["-c", "ls /lib/*/security/pam_exec.so /usr/lib/*/security/pam_exec.so /lib/security/pam_exec.so 2>/dev/null | head -1 | grep -q ."]).status !== 0) {
    return "pam_exec.so is not installed (libpam-modules)";
  }
  return null;
}

export function makePlainPamService(username: string, password: string): PlainPamService {
  const service = `deskfleet-test-${randomBytes(4).toString("hex")}`;
  const dir = mkdtempSync(join(tmpdir(), "deskfleet-pam-"));
  const check = join(dir, "check.sh");
  const expected = join(dir, "expected");
  writeFileSync(expected, `${username}\n${password}\n`, { mode: 0o600 });
  // pam_exec hands the password on stdin (NUL-terminated) and the user in PAM_USER.
  writeFileSync(check, `#!/bin/sh\npw=$(tr -d '\\000')\n[ "$(printf '%s\\n%s\\n' "$PAM_USER" "$pw")" = "$(cat '${expected}')" ]\n`);
  chmodSync(check, 0o700);
  const path = join("/etc/pam.d", service);
  writeFileSync(path, `auth required pam_exec.so expose_authtok quiet ${check}\naccount required pam_permit.so\n`);
  return {
    service,
    username,
    password,
    remove: () => {
      rmSync(path, { force: true });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
