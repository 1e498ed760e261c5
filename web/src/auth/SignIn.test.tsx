import { describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { SignIn } from "./SignIn.tsx";
import { fail, fakeApi, ok } from "../test/fake-api.ts";

const admin = { identity: { id: "admin", name: "admin", role: "admin", kind: "session" }, expiresAt: Date.now() + 1000 };

describe("SignIn", () => {
  it("asks for a token instead of sending an empty one", async () => {
    const { calls } = fakeApi({});
    render(<SignIn onSignedIn={vi.fn()} />);
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("alert")).toHaveProperty("textContent", "Paste the admin token or an API token.");
    expect(calls).toHaveLength(0);
  });

  it("explains a rejected token and keeps the form usable", async () => {
    fakeApi({ "POST /api/session": () => fail(401, "invalid_credentials", "the token is not valid") });
    const onSignedIn = vi.fn();
    render(<SignIn onSignedIn={onSignedIn} />);
    fireEvent.change(screen.getByLabelText("Token"), { target: { value: "dft_wrong" } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect((await screen.findByRole("alert")).textContent).toMatch(/not valid here: it may be revoked, mistyped or from another deployment/);
    expect(screen.getByRole("button", { name: "Sign in" })).toHaveProperty("disabled", false);
    expect(screen.getByLabelText("Token").getAttribute("aria-invalid")).toBe("true");
    expect(onSignedIn).not.toHaveBeenCalled();
  });

  it("says when the control plane cannot be reached", async () => {
    vi.stubGlobal("fetch", vi.fn(() => Promise.reject(new TypeError("Failed to fetch"))));
    render(<SignIn onSignedIn={vi.fn()} />);
    fireEvent.change(screen.getByLabelText("Token"), { target: { value: "tok" } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect((await screen.findByRole("alert")).textContent).toMatch(/did not answer/);
  });

  it("sends the trimmed token and hands over the identity", async () => {
    const { calls } = fakeApi({ "POST /api/session": () => ok(admin, 201) });
    const onSignedIn = vi.fn();
    render(<SignIn onSignedIn={onSignedIn} />);
    fireEvent.change(screen.getByLabelText("Token"), { target: { value: "  the-admin-token \n" } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    await waitFor(() => expect(onSignedIn).toHaveBeenCalledWith(admin));
    expect(calls[0]?.body).toEqual({ token: "the-admin-token" });
  });

  it("exchanges a sign-in link's code exactly once and says when it is spent", async () => {
    const { calls } = fakeApi({ "POST /api/session": () => fail(401, "invalid_sign_in_code", "spent") });
    render(<SignIn onSignedIn={vi.fn()} linkCode="dfc_abc" />);
    expect((await screen.findByRole("alert")).textContent).toMatch(/already used or has expired/);
    expect(calls).toEqual([expect.objectContaining({ method: "POST", path: "/api/session", body: { code: "dfc_abc" } })]);
  });
});
