/**
 * The signed initData Telegram gives a Mini App: `Telegram.WebApp.initData` when Telegram's script
 * has loaded, else the `tgWebAppData` launch parameter of the URL fragment, which is how Telegram
 * passes it to the page (`#tgWebAppData=<url-encoded initData>&tgWebAppVersion=…`). Empty: none.
 */
export function readInitData(hash: string, fromScript: string | undefined): string {
  if (fromScript) return fromScript;
  const params = new URLSearchParams(hash.startsWith("#") ? hash.slice(1) : hash);
  return params.get("tgWebAppData") ?? "";
}

/** The desktop a `/mini/desktops/<id>` page opens, or null for any other path. */
export function miniDesktopOf(pathname: string): string | null {
  const m = /^\/mini\/desktops\/([^/]+)\/?$/.exec(pathname);
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return null;
  }
}
