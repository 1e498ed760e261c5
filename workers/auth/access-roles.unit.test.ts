import { describe, expect, it } from "vitest";
import { accessRoleOf, parseAccessRoles } from "./access-roles.ts";
import { accessIdentity } from "./authenticate.ts";
import { ApiError } from "../../domain/api-error.ts";

const roleOf = (raw: string, who: string, legacy?: string) => accessRoleOf(parseAccessRoles(raw, legacy).rules, who);

describe("DESKFLEET_ACCESS_ROLES", () => {
  it("gives each identity the role of the first rule that matches it", () => {
    const rules = "admin:a@x.com,operator:*@x.com,viewer:*";
    expect(roleOf(rules, "a@x.com")).toBe("admin");
    expect(roleOf(rules, "b@x.com")).toBe("operator");
    expect(roleOf(rules, "c@elsewhere.org")).toBe("viewer");
    // First match, so a narrower rule first can lower one person below a wildcard's role.
    expect(roleOf("viewer:intern@x.com,operator:*@x.com", "intern@x.com")).toBe("viewer");
  });

  it("refuses an identity no rule names, rather than making it an operator", () => {
    expect(roleOf("admin:a@x.com,operator:*@x.com", "someone@gmail.com")).toBeNull();
    expect(roleOf("", "a@x.com")).toBeNull();
  });

  it("matches emails without regard to case, and a wildcard only where it stands", () => {
    expect(roleOf("operator:*@X.com", "Bob@x.COM")).toBe("operator");
    expect(roleOf("operator:*@x.com", "bob@x.com.evil.org")).toBeNull();
    expect(roleOf("operator:*@x.com", "bob@evilx.com")).toBeNull();
    expect(roleOf("operator:a.b@x.com", "aXb@x.com")).toBeNull();
  });

  it("names service tokens by their client id", () => {
    expect(roleOf("operator:4f2a9c.access", "4f2a9c.access")).toBe("operator");
  });

  it("keeps DESKFLEET_ACCESS_ADMINS working as admin rules ahead of the others", () => {
    expect(roleOf("viewer:*", "boss@x.com", "boss@x.com, other@x.com")).toBe("admin");
    expect(roleOf("viewer:*", "someone@x.com", "boss@x.com")).toBe("viewer");
    expect(roleOf("", "nobody@x.com", "boss@x.com")).toBeNull();
  });

  it("reports entries it cannot read and ignores them", () => {
    const { rules, problems } = parseAccessRoles("root:a@x.com,operator,viewer:, operator:b@x.com");
    expect(rules.map((r) => `${r.role}:${r.pattern}`)).toEqual(["operator:b@x.com"]);
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/"root:a@x.com" is not <viewer\|operator\|admin>:<email or pattern>/);
  });

  it("turns a verified identity into a caller with its role, and refuses one without with a 403 that says how to add it", () => {
    const { rules } = parseAccessRoles("operator:*@x.com");
    expect(accessIdentity(rules, "ana@x.com")).toMatchObject({ kind: "access", id: "access:ana@x.com", role: "operator", credential: "access:ana@x.com" });
    let refused: unknown;
    try {
      accessIdentity(rules, "eve@gmail.com");
    } catch (e) {
      refused = e;
    }
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ status: 403, code: "access_identity_not_allowed" });
    expect((refused as ApiError).message).toMatch(/an admin adds it to DESKFLEET_ACCESS_ROLES \(e\.g\. operator:eve@gmail\.com\)/);
  });
});
