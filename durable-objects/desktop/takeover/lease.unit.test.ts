import { describe, expect, it } from "vitest";
import { checkHandback, checkTakeover, expiresAt, handbackNote, isLive, type Lease } from "./lease.ts";

const alice = { id: "token:a", name: "alice" };
const bob = { id: "token:b", name: "bob" };
const lease = (lastInputAt: number): Lease => ({ holder: alice, since: 0, lastInputAt, pausedTaskId: null });

describe("takeover lease", () => {
  it("lets anyone take a free desktop, and the holder take it again", () => {
    expect(checkTakeover(null, bob, 0, 1000)).toBeNull();
    expect(checkTakeover(lease(0), alice, 10, 1000)).toBeNull();
  });

  it("refuses a second person while the lease is live, saying who holds it", () => {
    const r = checkTakeover(lease(0), bob, 500, 1000);
    expect(r).toMatchObject({ status: 409, code: "desktop_taken_over" });
    expect(r!.message).toMatch(/alice/);
  });

  it("expires after inactivity, re-armed by input rather than counted from the start", () => {
    expect(isLive(lease(5000), 5999, 1000)).toBe(true);
    expect(isLive(lease(5000), 6000, 1000)).toBe(false);
    expect(expiresAt(lease(5000), 1000)).toBe(6000);
    expect(checkTakeover(lease(0), bob, 1000, 1000)).toBeNull();
  });

  it("lets only the holder or an admin hand back", () => {
    expect(checkHandback(lease(0), { ...alice, admin: false }, 10, 1000)).toBeNull();
    expect(checkHandback(lease(0), { ...bob, admin: false }, 10, 1000)).toMatchObject({ status: 403 });
    expect(checkHandback(lease(0), { ...bob, admin: true }, 10, 1000)).toBeNull();
    expect(checkHandback(null, { ...bob, admin: true }, 10, 1000)).toMatchObject({ code: "not_taken_over" });
  });

  it("tells the agent a person acted and to look at the screen again", () => {
    const text = handbackNote(lease(0), "alice", 12_000, "closed the cookie banner", "handback");
    expect(text).toMatch(/alice/);
    expect(text).toMatch(/closed the cookie banner/);
    expect(text).toMatch(/fresh screenshot/);
  });
});
