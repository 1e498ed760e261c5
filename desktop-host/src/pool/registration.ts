/** A refusal or failure of the control plane's API, in words that say what to do. */
export class RegistrationError extends Error {}

/** The desktop was removed on the control plane while the pool ran it: a person's decision the pool keeps. */
export class DesktopRemovedError extends RegistrationError {}

type Fetch = typeof fetch;

/**
 * What a pool asks of the control plane's API with an admin-role API token:
 * its desktops exist with the pool's labels, and each has a host token.
 * The API token never reaches a desktop: each host gets only its own host token.
 */
export class ControlPlaneAdmin {
  readonly #server: string;
  readonly #token: string;
  readonly #fetch: Fetch;

  constructor(server: string, apiToken: string, fetchImpl: Fetch = fetch) {
    this.#server = server.replace(/^ws/, "http").replace(/\/+$/, "");
    this.#token = apiToken;
    this.#fetch = fetchImpl;
  }

  /**
   * Adds the desktop if it is missing (unless `create: false`: then a missing
   * desktop throws DesktopRemovedError); puts the pool's labels on it if they differ.
   */
  async ensureDesktop(id: string, desktop: { name: string; labels: readonly string[] }, options: { create?: boolean } = {}): Promise<"created" | "updated" | "unchanged"> {
    const existing = await this.#call("GET", `/api/desktops/${id}`, undefined, [404]);
    if (existing.status === 404) {
      if (options.create === false) throw new DesktopRemovedError(`desktop ${id} was removed on the control plane; the pool stops it (deskfleet-host pool --count N adds it again)`);
      await this.#call("POST", "/api/desktops", { id, name: desktop.name, os: "linux", labels: desktop.labels });
      return "created";
    }
    const labels = (existing.json as { labels?: string[] } | null)?.labels ?? [];
    if (labels.length === desktop.labels.length && labels.every((l, i) => l === desktop.labels[i])) return "unchanged";
    await this.#call("PATCH", `/api/desktops/${id}`, { labels: desktop.labels });
    return "updated";
  }

  /** A new host token for the desktop (it replaces the previous one). */
  async issueHostToken(id: string): Promise<string> {
    const { json } = await this.#call("POST", `/api/desktops/${id}/host-token`);
    const token = (json as { token?: unknown } | null)?.token;
    if (typeof token !== "string") throw new RegistrationError(`the control plane issued no host token for ${id}`);
    return token;
  }

  async #call(method: string, path: string, body?: unknown, allowed: number[] = []): Promise<{ status: number; json: unknown }> {
    let res: Response;
    try {
      res = await this.#fetch(this.#server + path, {
        method,
        headers: { authorization: `Bearer ${this.#token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      throw new RegistrationError(`the control plane at ${this.#server} is not answering (${cause}); check --server and that it is running`);
    }
    const json = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    if (res.ok || allowed.includes(res.status)) return { status: res.status, json };
    if (res.status === 401) throw new RegistrationError("the control plane refused the API token (401): set DESKFLEET_API_TOKEN (or --api-token-file) to the admin token or an API token with the admin role (POST /api/tokens)");
    if (res.status === 403) throw new RegistrationError("the API token may not add desktops (403): a pool needs a token with the admin role (POST /api/tokens with role admin)");
    throw new RegistrationError(`${method} ${path} answered ${res.status}: ${json?.error?.message ?? "no reason given"}`);
  }
}
