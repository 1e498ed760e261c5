/**
 * Calls the control plane's `POST /api/secrets/rekey` (admin): every sealed
 * value is re-sealed under the current DESKFLEET_SECRET_KEY, opened with it or
 * with DESKFLEET_SECRET_KEY_PREVIOUS. Values never leave the Worker; this
 * only reports counts and the names of values neither key opens.
 */
export type RekeyReport = { resealed: { secrets: number; desktops: number }; unreadable: string[] };

export async function requestRekey(opts: { url: string; token: string; fetch?: typeof fetch }): Promise<RekeyReport> {
  const doFetch = opts.fetch ?? fetch;
  const endpoint = `${opts.url.replace(/\/+$/, "")}/api/secrets/rekey`;
  let res: Response;
  try {
    res = await doFetch(endpoint, { method: "POST", headers: { authorization: `Bearer ${opts.token}` } });
  } catch (err) {
    throw new Error(`could not reach ${endpoint} (${err instanceof Error ? err.message : String(err)}); is the control plane running?`);
  }
  const body = (await res.json().catch(() => null)) as (RekeyReport & { error?: { message?: string } }) | null;
  if (!res.ok) throw new Error(`the control plane refused (${res.status}): ${body?.error?.message ?? "no reason given"}`);
  return body as RekeyReport;
}
