import { describe, expect, it } from "vitest";
import { render, screen } from "@testing-library/react";
import { UnencryptedVncBadge, UnencryptedVncNote } from "./UnencryptedVnc.tsx";

describe("unencrypted VNC", () => {
  it("is named, with what to do, for a desktop the control plane dials in clear", () => {
    render(
      <>
        <UnencryptedVncNote unencrypted />
        <UnencryptedVncBadge unencrypted />
      </>,
    );
    expect(screen.getByRole("note").textContent).toMatch(/Unencrypted VNC\..*travel in clear.*wss:\/\/.*deskfleet-host/);
    expect(screen.getByText("unencrypted VNC")).toBeTruthy();
  });

  it("says nothing for a desktop reached over TLS or through its host", () => {
    const { container } = render(
      <>
        <UnencryptedVncNote unencrypted={false} />
        <UnencryptedVncBadge unencrypted={false} />
      </>,
    );
    expect(container.textContent).toBe("");
  });
});
