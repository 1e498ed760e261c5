import { describe, expect, it, vi } from "vitest";
import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import type { SupervisorEntry, SupervisorFeedMessage } from "@deskfleet/protocol";
import { SupervisorChat } from "./SupervisorChat.tsx";
import { Providers } from "../test/providers.tsx";
import { fakeApi, ok } from "../test/fake-api.ts";

const ID = "dash:11111111-2222-4333-8444-555555555555";
const PATH = `/api/supervisor/conversations/${ID}`;
const entry = (seq: number, kind: SupervisorEntry["kind"], text: string, data: Record<string, unknown> | null = null): SupervisorEntry => ({ seq, kind, text, data, at: 1_700_000_000_000 + seq * 1000 });

/** A WebSocket the test drives: open it, push feed messages, drop it. */
class FakeSocket {
  static all: FakeSocket[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: ((e: { code: number; reason: string }) => void) | null = null;
  readonly url: string;
  constructor(url: string) {
    this.url = url;
    FakeSocket.all.push(this);
  }
  open(hello: SupervisorFeedMessage) {
    act(() => {
      this.onopen?.();
      this.onmessage?.({ data: JSON.stringify(hello) });
    });
  }
  push(m: SupervisorFeedMessage) {
    act(() => this.onmessage?.({ data: JSON.stringify(m) }));
  }
  drop() {
    act(() => this.onclose?.({ code: 1006, reason: "" }));
  }
  close() {}
}

/** The server's conversation: tests append to it, as the SupervisorDO would. */
function server(stored: SupervisorEntry[]) {
  let status = "idle";
  return fakeApi({
    [`GET ${PATH}`]: ({ query }) => {
      const after = Number(query.get("after") ?? 0);
      return ok({ id: ID, status, taskId: null, entries: stored.filter((e) => e.seq > after), nextAfter: null });
    },
    [`POST ${PATH}/messages`]: ({ body }) => {
      stored.push(entry(stored.length + 1, "user", (body as { text: string }).text, { by: "admin" }));
      status = "thinking";
      return ok({ accepted: true, status }, 202);
    },
  });
}

function renderChat() {
  sessionStorage.setItem("deskfleet:supervisor-conversation", ID);
  FakeSocket.all = [];
  vi.stubGlobal("WebSocket", FakeSocket);
  render(
    <Providers>
      <SupervisorChat />
    </Providers>,
  );
}

const lines = () => within(screen.getByRole("list", { name: "Conversation" })).getAllByRole("listitem").map((li) => li.textContent ?? "");

describe("SupervisorChat", () => {
  it("shows this tab's stored conversation, then live entries from its feed", async () => {
    const stored = [entry(1, "user", "What is running?", { by: "ada" }), entry(2, "assistant", "Nothing right now.")];
    server(stored);
    renderChat();
    await waitFor(() => expect(lines()).toHaveLength(2));
    const socket = FakeSocket.all[0]!;
    expect(socket.url).toBe(`ws://${window.location.host}/api/supervisor/conversations/${encodeURIComponent(ID)}/live`);
    socket.open({ type: "hello", status: "idle", lastSeq: 2, at: 0 });
    socket.push({ type: "status", status: "thinking", at: 0 });
    expect(screen.getByText("The supervisor is working…")).toBeTruthy();
    socket.push({ type: "entry", entry: entry(3, "tool_call", "list_desktops {}", { name: "list_desktops", input: {}, toolUseId: "t1" }) });
    socket.push({ type: "entry", entry: entry(4, "tool_result", "[]", { name: "list_desktops", isError: false, toolUseId: "t1" }) });
    expect(lines()[2]).toMatch(/✓\s*list_desktops\s*→ \[\]/);
  });

  it("reads a Telegram chat's conversation from ?conversation= with its photo, without a composer", async () => {
    const TG = "telegram:5551001";
    const file = { id: "att_0000000001aaaaaaaaaa", name: "photo-3.png", contentType: "image/png", bytes: 9_000, kind: "image", url: `/api/supervisor/conversations/${encodeURIComponent(TG)}/files/att_0000000001aaaaaaaaaa` };
    fakeApi({
      [`GET /api/supervisor/conversations/${TG}`]: () => ok({ id: TG, status: "idle", taskId: null, entries: [entry(1, "user", "what is this?", { by: "Ada", channel: "telegram", attachments: [file] })], nextAfter: null }),
    });
    FakeSocket.all = [];
    vi.stubGlobal("WebSocket", FakeSocket);
    render(
      <Providers>
        <SupervisorChat conversation={TG} />
      </Providers>,
    );
    await waitFor(() => expect(screen.getByRole("img", { name: "photo-3.png" }).getAttribute("src")).toBe(file.url));
    expect(lines()[0]).toMatch(/Ada.*what is this\?/);
    expect(screen.queryByRole("textbox")).toBeNull();
    expect(screen.getByText("People write to this conversation in its own channel (telegram); here you read it.")).toBeTruthy();
  });

  it("fetches what it missed while the feed was down when the feed comes back", async () => {
    const stored = [entry(1, "user", "Export the report", { by: "ada" })];
    const { calls } = server(stored);
    renderChat();
    await waitFor(() => expect(lines()).toHaveLength(1));
    FakeSocket.all[0]!.open({ type: "hello", status: "thinking", lastSeq: 1, at: 0 });
    FakeSocket.all[0]!.drop();
    expect(screen.getByText(/Offline — retrying/)).toBeTruthy();
    // Said while we were away: the new feed does not replay it.
    stored.push(entry(2, "assistant", "Started task tsk_1 on mac-studio."));
    await waitFor(() => expect(FakeSocket.all).toHaveLength(2), { timeout: 2_000 });
    FakeSocket.all[1]!.open({ type: "hello", status: "idle", lastSeq: 2, at: 0 });
    await waitFor(() => expect(lines()[1]).toMatch(/Started task tsk_1 on mac-studio\./));
    expect(calls.filter((c) => c.method === "GET").at(-1)!.query.get("after")).toBe("1");
    expect(screen.getAllByRole("status").some((s) => s.textContent === "Live")).toBe(true);
  });

  it("posts a message to this tab's conversation and shows it even before the feed echoes it", async () => {
    const stored: SupervisorEntry[] = [];
    const { calls } = server(stored);
    renderChat();
    await screen.findByText(/Ask the supervisor about the fleet/);
    fireEvent.change(screen.getByLabelText("Message the supervisor"), { target: { value: "Pause all schedules" } });
    fireEvent.click(screen.getByRole("button", { name: "Send" }));
    await waitFor(() => expect(lines()).toEqual([expect.stringMatching(/admin.*Pause all schedules/)]));
    expect(calls.find((c) => c.method === "POST")).toMatchObject({ path: `${PATH}/messages`, body: { text: "Pause all schedules" } });
    expect(screen.getByText("The supervisor is working…")).toBeTruthy();
    // The same entry arriving on the feed afterwards is not shown twice.
    FakeSocket.all[0]!.open({ type: "hello", status: "thinking", lastSeq: 1, at: 0 });
    FakeSocket.all[0]!.push({ type: "entry", entry: stored[0]! });
    expect(lines()).toHaveLength(1);
  });

  it("starts a new conversation on request, with a new id for this tab", async () => {
    server([entry(1, "user", "hello", { by: "ada" })]);
    renderChat();
    await waitFor(() => expect(lines()).toHaveLength(1));
    const next = new Promise<string>((resolve) => {
      vi.stubGlobal("fetch", vi.fn(async (input: string) => {
        const path = new URL(input).pathname;
        resolve(path);
        return new Response(JSON.stringify({ id: "x", status: "idle", taskId: null, entries: [], nextAfter: null }), { status: 200, headers: { "content-type": "application/json" } });
      }));
    });
    fireEvent.click(screen.getByRole("button", { name: "New conversation" }));
    const path = await next;
    const newId = sessionStorage.getItem("deskfleet:supervisor-conversation")!;
    expect(newId).toMatch(/^dash:/);
    expect(newId).not.toBe(ID);
    expect(decodeURIComponent(path)).toBe(`/api/supervisor/conversations/${newId}`);
    await waitFor(() => expect(screen.queryByRole("list", { name: "Conversation" })?.children.length ?? 0).toBe(0));
  });
});
