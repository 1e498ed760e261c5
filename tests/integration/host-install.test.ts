import { describe, expect, it } from "vitest";
import { HostTokenResponse } from "@deskfleet/protocol";
import { api, createDesktop } from "./support/api.ts";

describe("issuing a host token", () => {
  it("answers the token and one install line per OS that names this control plane and the desktop, without the token", async () => {
    await createDesktop("install-1");
    const res = await api("POST", "/api/desktops/install-1/host-token");
    expect(res.status).toBe(201);
    const body = HostTokenResponse.parse(res.json);
    expect(body.token).toMatch(/^dfh_/);
    expect(body.install).toEqual({
      unix: "curl -fsSL https://deskfleet.test/install.sh | sh -s -- --desktop install-1 --token-stdin",
      windows: "& ([scriptblock]::Create((irm https://deskfleet.test/install.ps1))) -Desktop install-1",
    });
    expect(JSON.stringify(res.json)).not.toMatch(/npx/);
  });
});
