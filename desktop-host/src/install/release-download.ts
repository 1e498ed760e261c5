import { createHash } from "node:crypto";
import { HostReleaseManifest } from "@deskfleet/protocol";

/** The control plane's HTTP base, whichever scheme the host was given. */
export function httpBase(server: string): string {
  return server.replace(/^ws(s?):/, "http$1:").replace(/\/+$/, "");
}

/** A failure a person can act on: its message says what happened and what to do. */
export class DownloadError extends Error {}

/** `/host/latest.json` of the control plane: the release it serves. */
export async function fetchServedRelease(server: string): Promise<HostReleaseManifest> {
  const url = `${httpBase(server)}/host/latest.json`;
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new DownloadError(`cannot reach ${url}: ${cause?.code ?? cause?.message ?? (err as Error).message}; check the network and --server`);
  }
  const body = await res.text();
  if (!res.ok) throw new DownloadError(`${url} answered HTTP ${res.status}${errorMessage(body)}`);
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new DownloadError(`${url} is not JSON: is ${server} a Deskfleet control plane?`);
  }
  const parsed = HostReleaseManifest.safeParse(json);
  if (!parsed.success) throw new DownloadError(`${url} does not describe a host release (${parsed.error.issues[0]?.message}); the control plane may be newer than this host understands: reinstall with its install line`);
  return parsed.data;
}

/** Downloads the release's bundle and checks it against the published SHA-256 and size; throws DownloadError on any mismatch. */
export async function downloadVerified(server: string, release: HostReleaseManifest): Promise<Buffer> {
  const url = `${httpBase(server)}${release.path}`;
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(300_000) });
  } catch (err) {
    throw new DownloadError(`cannot download ${url}: ${(err as Error).message}`);
  }
  if (!res.ok) throw new DownloadError(`${url} answered HTTP ${res.status}${errorMessage(await res.text())}`);
  let bytes: Buffer;
  try {
    bytes = Buffer.from(await res.arrayBuffer());
  } catch (err) {
    throw new DownloadError(`the download of ${url} broke off (${(err as Error).message}); the installed host was left as it was. Try again.`);
  }
  const actual = createHash("sha256").update(bytes).digest("hex");
  if (actual !== release.sha256) {
    throw new DownloadError(
      [
        "the downloaded host bundle failed its checksum; the installed host was left as it was.",
        `  bundle:   ${url}`,
        `  expected: ${release.sha256} (published by the control plane)`,
        `  got:      ${actual} (${bytes.length} bytes)`,
        "  Something between this machine and the control plane changed the file (a proxy or a cache), or the download broke. Try again; if it fails the same way, ask whoever runs the control plane.",
      ].join("\n"),
    );
  }
  return bytes;
}

function errorMessage(body: string): string {
  try {
    const m = (JSON.parse(body) as { error?: { message?: string } }).error?.message;
    return m ? `: ${m}` : "";
  } catch {
    return "";
  }
}
