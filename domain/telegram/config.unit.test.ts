import { describe, expect, it } from "vitest";
import { parseUserRoles, userRole } from "./config.ts";

describe("TELEGRAM_ALLOWED_USER_IDS", () => {
  it("gives each listed person their role and refuses everyone else", () => {
    const users = parseUserRoles("operator:111, viewer:222,admin:333");
    expect(users.problems).toEqual([]);
    expect(userRole(users, 111)).toBe("operator");
    expect(userRole(users, 222)).toBe("viewer");
    expect(userRole(users, 333)).toBe("admin");
    expect(userRole(users, 444)).toBeNull();
    expect(userRole(parseUserRoles(""), 111)).toBeNull();
  });

  it("gives `<role>:*` to anyone in an allowed chat, below those listed by id", () => {
    const users = parseUserRoles("viewer:*,operator:111");
    expect(userRole(users, 111)).toBe("operator");
    expect(userRole(users, 999)).toBe("viewer");
  });

  it("reports entries it cannot read (a bare id, an unknown role) and ignores them", () => {
    const users = parseUserRoles("111,boss:222,operator:abc,viewer:333");
    expect(users.problems).toHaveLength(3);
    expect(userRole(users, 111)).toBeNull();
    expect(userRole(users, 333)).toBe("viewer");
  });
});
