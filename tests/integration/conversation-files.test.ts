import { describe, expect, it } from "vitest";
import { api, apiToken, env } from "./support/api.ts";
import { conversationFileKey } from "../../domain/screenshot-keys.ts";

// Files people sent to a supervisor conversation (a Telegram photo) are served only through the API,
// to those who may read the conversation, as inert content: never the Bot API's URL with the token.

const CONVERSATION = "telegram:5553001";
const FILE = "att_0000000001aaaaaaaaaa";
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);

async function stored(name: string, contentType: string, id = FILE) {
  await env.SCREENSHOTS.put(conversationFileKey(CONVERSATION, id), PNG, { httpMetadata: { contentType }, customMetadata: { conversationId: CONVERSATION, name: encodeURIComponent(name), kind: "image" } });
}
const path = (id: string) => `/api/supervisor/conversations/${CONVERSATION}/files/${id}`;

describe("a conversation's files", () => {
  it("serves a stored photo to an operator with its type, inline, sandboxed and not sniffed", async () => {
    await stored("photo 12.png", "image/png");
    const res = await api("GET", path(FILE), { token: await apiToken("operator") });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(res.headers.get("content-disposition")).toBe(`inline; filename="photo 12.png"; filename*=UTF-8''photo%2012.png`);
    expect(res.headers.get("content-security-policy")).toBe("sandbox");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("makes a file that is not an image or PDF a download", async () => {
    await stored("page.html", "text/html", "att_0000000002bbbbbbbbbb");
    const res = await api("GET", path("att_0000000002bbbbbbbbbb"));
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; /);
  });

  it("refuses a viewer (the chat is not theirs), no credential, a malformed id and an unknown one, each with the error envelope", async () => {
    await stored("p.png", "image/png");
    const viewer = await api("GET", path(FILE), { token: await apiToken("viewer") });
    expect(viewer.status).toBe(403);
    expect(viewer.json.error.code).toBe("forbidden");
    expect((await api("GET", path(FILE), { token: null })).status).toBe(401);
    const malformed = await api("GET", path("../../tasks/x"));
    expect(malformed.status).toBeGreaterThanOrEqual(400);
    expect(malformed.status).toBeLessThan(500);
    const bad = await api("GET", path("att_NOPE"));
    expect(bad.status).toBe(422);
    expect(bad.json.error.message).toMatch(/att_ followed by lowercase letters and digits/);
    const missing = await api("GET", path("att_0000000009zzzzzzzzzz"));
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe("not_found");
  });
});
