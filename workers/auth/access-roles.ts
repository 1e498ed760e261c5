import type { Role } from "@deskfleet/protocol";

/** One rule of DESKFLEET_ACCESS_ROLES: a role for the identities matching a pattern (`*` matches anything). */
export type AccessRule = { role: Role; pattern: string; matches: (identity: string) => boolean };

const ROLES = new Set<Role>(["viewer", "operator", "admin"]);

function glob(pattern: string): (identity: string) => boolean {
  const re = new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`, "i");
  return (identity) => re.test(identity);
}

/**
 * Parses `DESKFLEET_ACCESS_ROLES` (`admin:a@x.com,operator:*@x.com,viewer:*`): rules in order, the
 * first that matches an identity (an email, or a service token's client id) gives its role. The
 * older `DESKFLEET_ACCESS_ADMINS` (emails) still works: each is an `admin:` rule before the others.
 * Entries that are not `<role>:<pattern>` are reported, never guessed at.
 */
export function parseAccessRoles(raw: string | undefined, legacyAdmins?: string): { rules: AccessRule[]; problems: string[] } {
  const rules: AccessRule[] = [];
  const problems: string[] = [];
  for (const email of (legacyAdmins ?? "").split(",").map((s) => s.trim()).filter(Boolean)) {
    rules.push({ role: "admin", pattern: email, matches: glob(email) });
  }
  for (const entry of (raw ?? "").split(",").map((s) => s.trim()).filter(Boolean)) {
    const i = entry.indexOf(":");
    const role = entry.slice(0, i).trim().toLowerCase() as Role;
    const pattern = entry.slice(i + 1).trim();
    if (i < 0 || !ROLES.has(role) || !pattern) {
      problems.push(`DESKFLEET_ACCESS_ROLES entry "${entry}" is not <viewer|operator|admin>:<email or pattern>; it is ignored`);
      continue;
    }
    rules.push({ role, pattern, matches: glob(pattern) });
  }
  return { rules, problems };
}

/** The role of an Access identity, or null: an identity no rule names is refused, not an operator. */
export function accessRoleOf(rules: readonly AccessRule[], identity: string): Role | null {
  return rules.find((r) => r.matches(identity))?.role ?? null;
}

let cached: { raw: string | undefined; legacy: string | undefined; rules: AccessRule[] } | null = null;

/** The parsed rules of this deployment, parsed once per isolate (problems logged then). */
export function accessRules(env: Env): AccessRule[] {
  if (cached && cached.raw === env.DESKFLEET_ACCESS_ROLES && cached.legacy === env.DESKFLEET_ACCESS_ADMINS) return cached.rules;
  const { rules, problems } = parseAccessRoles(env.DESKFLEET_ACCESS_ROLES, env.DESKFLEET_ACCESS_ADMINS);
  for (const p of problems) console.error(p);
  cached = { raw: env.DESKFLEET_ACCESS_ROLES, legacy: env.DESKFLEET_ACCESS_ADMINS, rules };
  return rules;
}
