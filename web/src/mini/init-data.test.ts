import { describe, expect, it } from "vitest";
import { miniDesktopOf, readInitData } from "./init-data.ts";

// The fragment as Telegram's clients open a Web App: initData URL-encoded inside tgWebAppData.
const INIT_DATA = "query_id=AAHdF6IQ&user=%7B%22id%22%3A279058397%2C%22first_name%22%3A%22Vlad%22%7D&auth_date=1733509682&hash=a433d8f9";
const FRAGMENT = `#tgWebAppData=${encodeURIComponent(INIT_DATA)}&tgWebAppVersion=7.10&tgWebAppPlatform=android&tgWebAppThemeParams=%7B%7D`;

describe("the Mini App's initData", () => {
  it("is read from the tgWebAppData launch parameter of the fragment, exactly as signed", () => {
    expect(readInitData(FRAGMENT, undefined)).toBe(INIT_DATA);
  });

  it("comes from Telegram's script when it loaded, and is empty when neither has it", () => {
    expect(readInitData(FRAGMENT, "from=script")).toBe("from=script");
    expect(readInitData("", undefined)).toBe("");
    expect(readInitData("#signin=abc", "")).toBe("");
  });

  it("names the desktop of a /mini/desktops/<id> path only", () => {
    expect(miniDesktopOf("/mini/desktops/mac-studio")).toBe("mac-studio");
    expect(miniDesktopOf("/desktops/mac-studio")).toBeNull();
    expect(miniDesktopOf("/mini/desktops/a/b")).toBeNull();
  });
});
