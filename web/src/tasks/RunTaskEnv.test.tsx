import { describe, expect, it } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { RunTask } from "./RunTask.tsx";
import { Providers } from "../test/providers.tsx";
import { fakeApi, fail, ok } from "../test/fake-api.ts";
import { secret, task } from "../test/fixtures.ts";

describe("shell variables in the new-task form", () => {
  it("sends each variable as a reference to a vault secret, never a value", async () => {
    const { calls } = fakeApi({
      "GET /api/agents": () => ok({ items: [] }),
      "GET /api/secrets": () => ok({ items: [secret({ name: "github" })] }),
      "POST /api/tasks": () => ok(task({ status: "queued" }), 201),
    });
    render(<Providers><RunTask desktopId={null} /></Providers>);
    fireEvent.change(screen.getByLabelText("What should the agent do?"), { target: { value: "Open a pull request" } });
    fireEvent.click(screen.getByRole("button", { name: "Add a variable" }));
    fireEvent.change(screen.getByLabelText("Variable 1"), { target: { value: "GITHUB_TOKEN" } });
    fireEvent.change(screen.getByLabelText("Secret 1"), { target: { value: "github" } });
    fireEvent.click(screen.getByRole("button", { name: "Run task" }));
    await waitFor(() => expect(calls.some((c) => c.method === "POST" && c.path === "/api/tasks")).toBe(true));
    expect(calls.find((c) => c.method === "POST" && c.path === "/api/tasks")!.body).toEqual({ prompt: "Open a pull request", env: { GITHUB_TOKEN: "secret:github" } });
  });

  it("shows the API's refusal when the task has no shell", async () => {
    fakeApi({
      "GET /api/agents": () => ok({ items: [] }),
      "GET /api/secrets": () => ok({ items: [] }),
      "POST /api/tasks": () => fail(422, "shell_not_allowed", "env sets shell variables, but this task's tools (ask_human) do not include `shell`; add shell to its tools (and its agent's), or leave env out"),
    });
    render(<Providers><RunTask desktopId={null} /></Providers>);
    fireEvent.change(screen.getByLabelText("What should the agent do?"), { target: { value: "x" } });
    fireEvent.click(screen.getByRole("button", { name: "Add a variable" }));
    fireEvent.change(screen.getByLabelText("Variable 1"), { target: { value: "GITHUB_TOKEN" } });
    fireEvent.change(screen.getByLabelText("Secret 1"), { target: { value: "github" } });
    fireEvent.click(screen.getByRole("button", { name: "Run task" }));
    expect((await screen.findByRole("alert")).textContent).toContain("do not include `shell`");
  });
});
