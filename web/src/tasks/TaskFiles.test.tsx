import { describe, expect, it } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { TaskFiles } from "./TaskFiles.tsx";
import { Providers } from "../test/providers.tsx";
import { task } from "../test/fixtures.ts";
import { fakeApi, ok } from "../test/fake-api.ts";

const ID = "tsk_0000000000aaaaaaaaaa";
const file = (id: string, name: string, kind: "attachment" | "artifact", bytes: number) => ({ id, taskId: ID, kind, name, contentType: "text/csv", bytes, by: "ada", createdAt: 1 });

describe("a task's files in the console", () => {
  it("lists attachments and what the agent sent back, each a download", async () => {
    fakeApi({ [`GET /api/tasks/${ID}/files`]: () => ok({ items: [file("fil_0000000001aa", "in.csv", "attachment", 12), file("fil_0000000002aa", "out.csv", "artifact", 2048)] }) });
    render(<Providers><TaskFiles task={task({ id: ID, status: "completed" })} refreshKey={0} /></Providers>);
    const link = await screen.findByRole("link", { name: "out.csv" });
    expect(link.getAttribute("href")).toBe(`/api/tasks/${ID}/files/fil_0000000002aa`);
    expect(screen.getByText(/sent by the agent, 2.0 KB/)).toBeTruthy();
    expect(screen.getByText(/attachment, 12 B/)).toBeTruthy();
    expect(screen.queryByLabelText(/Attach files/)).toBeNull();
  });

  it("attaches files to a queued task as multipart and shows them", async () => {
    const { calls } = fakeApi({
      [`GET /api/tasks/${ID}/files`]: () => ok({ items: [] }),
      [`POST /api/tasks/${ID}/files`]: () => ok({ items: [file("fil_0000000003aa", "notes.txt", "attachment", 5)] }, 201),
    });
    render(<Providers><TaskFiles task={task({ id: ID, status: "queued" })} refreshKey={0} /></Providers>);
    const input = await screen.findByLabelText(/Attach files/);
    fireEvent.change(input, { target: { files: [new File(["hello"], "notes.txt")] } });
    await waitFor(() => expect(screen.queryByRole("alert")?.textContent ?? screen.getByRole("link", { name: "notes.txt" }).textContent).toBe("notes.txt"));
    expect(calls.find((c) => c.method === "POST")?.path).toBe(`/api/tasks/${ID}/files`);
  });
});
