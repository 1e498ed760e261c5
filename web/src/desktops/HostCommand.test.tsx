import { describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { hostInstallLines } from "@deskfleet/protocol";
import { HostCommand } from "./HostCommand.tsx";
import { fail, fakeApi, ok } from "../test/fake-api.ts";

const TOKEN = "dfh_Qm9zX2FkYV9sb3ZlbGFjZV90b2tlbl8wMTIzNDU2Nzg5";
const ORIGIN = "https://deskfleet.example.com";

describe("HostCommand", () => {
  it("issues a token and shows it apart from the install line for each OS, none of which holds it", async () => {
    const { calls } = fakeApi({
      // What POST /api/desktops/:id/host-token answers (workers/endpoints/desktops.ts builds it the same way).
      "POST /api/desktops/vm-1/host-token": () => ok({ desktopId: "vm-1", token: TOKEN, install: hostInstallLines(ORIGIN, "vm-1") }, 201),
    });
    render(<HostCommand desktopId="vm-1" hasHostToken={false} />);
    fireEvent.click(screen.getByRole("button", { name: "Show the install line" }));

    expect((await screen.findByLabelText("Host token")).textContent).toBe(TOKEN);
    const unix = screen.getByLabelText("Install line for Linux and macOS").textContent;
    const windows = screen.getByLabelText("Install line for Windows").textContent;
    expect(unix).toBe(`curl -fsSL ${ORIGIN}/install.sh | sh -s -- --desktop vm-1 --token-stdin`);
    expect(windows).toBe(`& ([scriptblock]::Create((irm ${ORIGIN}/install.ps1))) -Desktop vm-1`);
    expect(unix).not.toContain("dfh_");
    expect(windows).not.toContain("dfh_");
    expect(document.body.textContent).not.toMatch(/npx/);
    expect(calls.filter((c) => c.method === "POST")).toHaveLength(1);
  });

  it("copies each line with its own button", async () => {
    fakeApi({ "POST /api/desktops/vm-1/host-token": () => ok({ desktopId: "vm-1", token: TOKEN, install: hostInstallLines(ORIGIN, "vm-1") }, 201) });
    const writeText = vi.fn(async () => undefined);
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    render(<HostCommand desktopId="vm-1" hasHostToken />);
    fireEvent.click(screen.getByRole("button", { name: "Issue a new host token" }));
    await screen.findByLabelText("Host token");
    const [tokenButton, unixButton, windowsButton] = screen.getAllByRole("button", { name: /^Copy/ });
    fireEvent.click(unixButton!);
    fireEvent.click(windowsButton!);
    fireEvent.click(tokenButton!);
    await waitFor(() => expect(writeText).toHaveBeenCalledTimes(3));
    expect(writeText.mock.calls.map((c) => (c as unknown[])[0])).toEqual([hostInstallLines(ORIGIN, "vm-1").unix, hostInstallLines(ORIGIN, "vm-1").windows, TOKEN]);
  });

  it("says why when the token cannot be issued, and shows no line", async () => {
    fakeApi({ "POST /api/desktops/vm-1/host-token": () => fail(404, "not_found", "desktop `vm-1` does not exist") });
    render(<HostCommand desktopId="vm-1" hasHostToken={false} />);
    fireEvent.click(screen.getByRole("button", { name: "Show the install line" }));
    expect((await screen.findByRole("alert")).textContent).toContain("desktop `vm-1` does not exist");
    expect(screen.queryByLabelText("Install line for Linux and macOS")).toBeNull();
  });
});
