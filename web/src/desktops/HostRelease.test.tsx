import { describe, expect, it } from "vitest";
import { render } from "@testing-library/react";
import { HOST_RELEASE } from "@deskfleet/protocol";
import { HostRelease } from "./HostRelease.tsx";

describe("HostRelease", () => {
  it("says which release the host runs, and asks for an upgrade only when the control plane serves a newer one", () => {
    const current = render(<HostRelease hostVersion={HOST_RELEASE} />);
    expect(current.container.textContent).toBe(`Host deskfleet-host ${HOST_RELEASE}`);
    current.unmount();
    const older = render(<HostRelease hostVersion="0.0.1" />);
    expect(older.container.textContent).toBe(`Host deskfleet-host 0.0.1; this control plane serves ${HOST_RELEASE}. Run deskfleet-host upgrade on that machine.`);
    older.unmount();
    expect(render(<HostRelease hostVersion="dev-build" />).container.textContent).toBe("Host deskfleet-host dev-build");
  });

  it("shows nothing for a desktop no host has connected to", () => {
    expect(render(<HostRelease hostVersion={undefined} />).container.textContent).toBe("");
  });
});
