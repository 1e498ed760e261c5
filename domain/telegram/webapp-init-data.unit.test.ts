import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { verifyInitData } from "./webapp-init-data.ts";

const TOKEN = "7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
const OTHER_TOKEN = "7098765432:AAF-another-bot-entirely-0123456789";
const NOW = 1_733_509_682_000;

/**
 * initData as Telegram's clients emit it: URL-encoded fields (user as JSON), `signature` (the
 * Ed25519 one for third parties, signed over by the hash too) and `hash`, signed with node's own
 * HMAC as Telegram documents it, independently of the code under test.
 */
function telegramInitData(opts: { token?: string; authDate?: number; user?: object; drop?: string[] } = {}): string {
  const fields: Record<string, string> = {
    query_id: "AAHdF6IQAAAAAN0XohDhrOrc",
    user: JSON.stringify(opts.user ?? { id: 279058397, first_name: "Vladislav", last_name: "Kibenko", username: "vdkfrost", language_code: "en", allows_write_to_pm: true }),
    auth_date: String(opts.authDate ?? Math.floor(NOW / 1000) - 60),
    signature: "TYJxVcisqbWjtodPepiJ6ghziUL94-KNpG8Pau-X7oNNLNBM72APCpi_RKiUlBvcqo5L-LAxIc3dnTzcZX_PDg",
    chat_type: "private",
    chat_instance: "8134722200314281151",
  };
  const check = Object.keys(fields).sort().map((k) => `${k}=${fields[k]}`).join("\n");
  const secret = createHmac("sha256", "WebAppData").update(opts.token ?? TOKEN).digest();
  const hash = createHmac("sha256", secret).update(check).digest("hex");
  const all = new URLSearchParams({ ...fields, hash });
  for (const k of opts.drop ?? []) all.delete(k);
  return all.toString();
}

const verify = (initData: string) => verifyInitData(initData, TOKEN, { now: NOW, maxAgeMs: 3_600_000 });

describe("Telegram Mini App initData", () => {
  it("accepts initData signed with this bot's token and fresh, and reads the user from it", async () => {
    const r = await verify(telegramInitData());
    expect(r).toEqual({ user: expect.objectContaining({ id: 279058397, first_name: "Vladislav", username: "vdkfrost" }), authDate: Math.floor(NOW / 1000) - 60, startParam: null });
  });

  it("refuses a forged hash, and a field changed after signing (another user id)", async () => {
    const good = telegramInitData();
    const forgedHash = good.replace(/hash=[0-9a-f]{64}/, `hash=${"0".repeat(64)}`);
    expect(await verify(forgedHash)).toEqual({ refused: expect.objectContaining({ code: "init_data_forged" }) });
    const otherUser = good.replace("279058397", "279058398");
    expect(await verify(otherUser)).toEqual({ refused: expect.objectContaining({ code: "init_data_forged" }) });
  });

  it("refuses initData older than the limit, saying how old it is and what to do", async () => {
    const r = await verify(telegramInitData({ authDate: Math.floor(NOW / 1000) - 2 * 3600 }));
    expect(r).toEqual({ refused: { code: "init_data_stale", message: expect.stringMatching(/is 120 min old; the limit is 60 min \(TELEGRAM_WEBAPP_MAX_AGE_MS\): close the desktop and open it again/) } });
  });

  it("refuses initData signed with another bot's token", async () => {
    expect(await verify(telegramInitData({ token: OTHER_TOKEN }))).toEqual({ refused: expect.objectContaining({ code: "init_data_forged" }) });
  });

  it("refuses initData without a hash, or without anything at all", async () => {
    expect(await verify(telegramInitData({ drop: ["hash"] }))).toEqual({ refused: expect.objectContaining({ code: "init_data_malformed", message: expect.stringContaining("has no hash") }) });
    expect(await verify("")).toEqual({ refused: expect.objectContaining({ code: "init_data_malformed" }) });
  });

  it("refuses a signed initData that names no user", async () => {
    const fields = new URLSearchParams({ auth_date: String(Math.floor(NOW / 1000)), query_id: "Q" });
    const check = [...fields].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join("\n");
    fields.set("hash", createHmac("sha256", createHmac("sha256", "WebAppData").update(TOKEN).digest()).update(check).digest("hex"));
    expect(await verify(fields.toString())).toEqual({ refused: expect.objectContaining({ code: "init_data_malformed", message: expect.stringContaining("names no user") }) });
  });
});
