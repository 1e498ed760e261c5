import { describe, expect, it } from "vitest";
import { SECRET_ANSWER_LABEL, secretLabel, secretRedactor } from "./secret-redaction.ts";
import { describePlaceholders, placeholderNames } from "./secret-placeholders.ts";

describe("secretRedactor", () => {
  const r = secretRedactor([
    { value: "hunter2-hunter2", label: secretLabel("github") },
    { value: "hunter2", label: secretLabel("short") },
    { value: "492039", label: SECRET_ANSWER_LABEL },
  ]);

  it("replaces every occurrence of a value by its label, the longest value first", () => {
    expect(r.text("typed hunter2-hunter2 then hunter2 and 492039")).toBe("typed [secret:github] then [secret:short] and [secret answer]");
  });

  it("redacts every string of an event's data, nested, and leaves other values alone", () => {
    const data = { text: "pw is hunter2-hunter2", step: 3, input: { options: ["492039", "other"] }, ok: true };
    expect(r.value(data)).toEqual({ text: "pw is [secret:github]", step: 3, input: { options: ["[secret answer]", "other"] }, ok: true });
    expect(data.text).toBe("pw is hunter2-hunter2");
  });

  it("turns an error into its redacted text and leaves bytes untouched", () => {
    const bytes = new Uint8Array([1, 2]);
    const out = r.value({ error: new Error("login failed with hunter2-hunter2"), bytes }) as unknown as { error: string; bytes: Uint8Array };
    expect(out.error).toContain("login failed with [secret:github]");
    expect(out.error).not.toContain("hunter2-hunter2");
    expect(out.bytes).toBe(bytes);
  });

  it("leaves values shorter than four characters alone, so ordinary words survive", () => {
    expect(secretRedactor([{ value: "the", label: "[secret:x]" }]).text("the end")).toBe("the end");
  });
});

describe("secret placeholders", () => {
  it("names each secret a prompt mentions once", () => {
    expect(placeholderNames("log in as {{secret:github}} with {{ secret:github-otp }} then {{secret:github}}")).toEqual(["github", "github-otp"]);
  });

  it("shows the model a pointer to type_secret, never a value", () => {
    expect(describePlaceholders("password: {{secret:github}}")).toBe('password: [secret `github`: type it with type_secret {"name": "github"}]');
  });
});
