import { describe, expect, it } from "vitest";
import { ApiError } from "../api-error.ts";
import { splitVncUrl } from "./vnc-url.ts";

describe("splitVncUrl", () => {
  it("splits credentials off a vnc:// URL", () => {
    expect(splitVncUrl("vnc://alice:p%40ss@10.0.0.5:5901")).toEqual({ address: "vnc://10.0.0.5:5901", credentials: { username: "alice", password: "p@ss" } });
  });

  it("treats a lone secret as the password, as VNC has no user names", () => {
    expect(splitVncUrl("vnc://:secret@host:5900").credentials).toEqual({ password: "secret" });
  });

  it("leaves a ws:// URL without credentials as it is", () => {
    expect(splitVncUrl("wss://vnc.example.com/websockify")).toEqual({ address: "wss://vnc.example.com/websockify", credentials: {} });
  });

  it("treats a ws(s):// URL's query string as a credential: sealed with the password, never in the address", () => {
    const split = splitVncUrl("wss://vnc.example.com/websockify?token=s3cr3t-t0ken&path=x#frag");
    expect(split.address).toBe("wss://vnc.example.com/websockify");
    expect(split.credentials).toEqual({ query: "token=s3cr3t-t0ken&path=x" });
  });

  it("answers a malformed percent-escape in the credentials with a 422 that says how to write %", () => {
    for (const url of ["vnc://:100%@host:5900", "vnc://user%zz:pw@host:5900"]) {
      let caught: unknown;
      try {
        splitVncUrl(url);
      } catch (e) {
        caught = e;
      }
      expect(caught, url).toBeInstanceOf(ApiError);
      expect((caught as ApiError).status).toBe(422);
      expect((caught as ApiError).message).toMatch(/malformed percent-escape; write a literal % as %25/);
    }
  });
});
