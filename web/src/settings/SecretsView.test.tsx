import { describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { SecretsView } from "./SecretsView.tsx";
import { Providers } from "../test/providers.tsx";
import { fakeApi, fail, ok } from "../test/fake-api.ts";
import { secret } from "../test/fixtures.ts";

const VALUE = "correct-horse-battery";

function renderView(canManage = true) {
  return render(
    <Providers role={canManage ? "admin" : "operator"} desktops={[{ id: "mac-studio", name: "Mac Studio" } as never]}>
      <SecretsView canManage={canManage} />
    </Providers>,
  );
}

describe("SecretsView", () => {
  it("adds a secret from a write-only password field: the value is sent once and is gone from the page", async () => {
    const listed: unknown[] = [];
    const { calls } = fakeApi({
      "GET /api/secrets": () => ok({ items: listed }),
      "GET /api/schedules": () => ok({ items: [] }),
      "POST /api/secrets": (c) => {
        listed.push(secret({ name: "github", scope: { desktops: ["mac-studio"] }, exclusive: true }));
        return ok(listed[0], 201);
      },
    });
    renderView();
    await screen.findByText("No secrets yet.");
    const form = screen.getByRole("form", { name: "Add a secret" });
    fireEvent.change(within(form).getByLabelText("Name"), { target: { value: "github" } });
    const value = within(form).getByLabelText("Value") as HTMLInputElement;
    expect(value.type).toBe("password");
    fireEvent.change(value, { target: { value: VALUE } });
    fireEvent.change(within(form).getByLabelText("Description"), { target: { value: "GitHub login for the release bot" } });
    fireEvent.click(within(form).getByLabelText(/Only on some desktops/));
    fireEvent.click(within(form).getByLabelText(/Exclusive/));
    fireEvent.click(within(form).getByRole("button", { name: "Add secret" }));

    await screen.findByRole("article", { name: "Secret github" });
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({
      name: "github", kind: "password", value: VALUE, description: "GitHub login for the release bot", scope: { desktops: ["mac-studio"] }, exclusive: true,
    });
    expect(value.value).toBe("");
    expect(document.body.innerHTML).not.toContain(VALUE);
    expect(screen.getByRole("article", { name: "Secret github" }).textContent).toMatch(/exclusive · desktops mac-studio/);
  });

  it("shows the API's 422 when a TOTP seed is not base32, and keeps the form", async () => {
    fakeApi({
      "GET /api/secrets": () => ok({ items: [] }),
      "GET /api/schedules": () => ok({ items: [] }),
      "POST /api/secrets": () => fail(422, "invalid_input", "json is invalid: value: a TOTP seed must be base32 (letters A-Z and digits 2-7) or an otpauth://totp/ URI"),
    });
    renderView();
    await screen.findByText("No secrets yet.");
    const form = screen.getByRole("form", { name: "Add a secret" });
    fireEvent.change(within(form).getByLabelText("Name"), { target: { value: "otp" } });
    fireEvent.change(within(form).getByLabelText("Kind"), { target: { value: "totp" } });
    fireEvent.change(within(form).getByLabelText("Value"), { target: { value: "nope nope" } });
    fireEvent.click(within(form).getByRole("button", { name: "Add secret" }));
    expect((await screen.findByRole("alert")).textContent).toMatch(/value: a TOTP seed must be base32/);
    expect((within(form).getByLabelText("Name") as HTMLInputElement).value).toBe("otp");
  });

  it("rotates from a password field, shows last use and uses, and deletes after confirmation", async () => {
    let items = [secret({ lastUsedAt: Date.now() - 60_000, lastUsedBy: "task:tsk_0000000001aaaaaaaaaa", lastUsedTaskId: "tsk_0000000001aaaaaaaaaa", lastUsedDesktopId: "mac-studio" })];
    const { calls } = fakeApi({
      "GET /api/secrets": () => ok({ items }),
      "GET /api/schedules": () => ok({ items: [] }),
      "PUT /api/secrets/github": () => ok({ ...items[0], rotatedAt: Date.now(), rotatedBy: "admin" }),
      "GET /api/secrets/github/releases": () => ok({ items: [{ at: Date.now() - 60_000, actor: "task:tsk_0000000001aaaaaaaaaa", taskId: "tsk_0000000001aaaaaaaaaa", desktopId: "mac-studio", via: "type_secret" }] }),
      "DELETE /api/secrets/github": () => {
        items = [];
        return ok({ deleted: true, name: "github" });
      },
    });
    vi.spyOn(window, "confirm").mockReturnValue(true);
    renderView();
    const card = await screen.findByRole("article", { name: "Secret github" });
    expect(card.textContent).toMatch(/last used 1 min ago by tsk_0000000001aaaaaaaaaa on mac-studio/);

    fireEvent.click(within(card).getByRole("button", { name: "Rotate github" }));
    const input = within(card).getByLabelText("New value for github") as HTMLInputElement;
    expect(input.type).toBe("password");
    fireEvent.change(input, { target: { value: VALUE } });
    fireEvent.click(within(card).getByRole("button", { name: "Save new value" }));
    await waitFor(() => expect(calls.some((c) => c.method === "PUT")).toBe(true));
    expect(calls.find((c) => c.method === "PUT")?.body).toEqual({ value: VALUE });

    fireEvent.click(await within(card).findByRole("button", { name: "Uses of github" }));
    expect((await within(card).findByRole("list", { name: "Uses of github" })).textContent).toMatch(/type_secret · tsk_0000000001aaaaaaaaaa on mac-studio/);

    fireEvent.click(within(card).getByRole("button", { name: "Delete github" }));
    await screen.findByText("No secrets yet.");
    expect(document.body.innerHTML).not.toContain(VALUE);
  });

  it("shows operators the names and what they are for, without ways to change them", async () => {
    fakeApi({ "GET /api/secrets": () => ok({ items: [secret()] }) });
    renderView(false);
    const card = await screen.findByRole("article", { name: "Secret github" });
    expect(card.textContent).toMatch(/GitHub login for the release bot/);
    expect(screen.queryByRole("form", { name: "Add a secret" })).toBeNull();
    expect(within(card).queryByRole("button")).toBeNull();
  });
});
