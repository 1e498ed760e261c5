import { describe, expect, it } from "vitest";
import { connectFailure, withoutAddresses } from "./vnc-errors.ts";

describe("VNC failures as a model may read them", () => {
  it("say what went wrong without the address", () => {
    expect(connectFailure(new Error("connect ECONNREFUSED 10.0.0.5:5900"))).toBe("the connection was refused");
    expect(connectFailure("Error: Connection timed out to 192.168.1.7:5901")).toBe("the connection timed out");
    expect(connectFailure(new Error("getaddrinfo ENOTFOUND mac-studio.lan"))).toBe("the host name did not resolve");
    expect(connectFailure(new Error("something else entirely"))).toBe("a network error");
  });

  it("remove IP addresses and host:port pairs from any message", () => {
    expect(withoutAddresses("connect ECONNREFUSED 10.0.0.5:5900; also [fd00::5]:5901, 172.16.0.1 and mac-studio.lan:5902")).toBe(
      "connect ECONNREFUSED <address>; also <address>, <address> and <address>",
    );
    expect(withoutAddresses("VNC authentication failed: wrong password")).toBe("VNC authentication failed: wrong password");
  });
});
