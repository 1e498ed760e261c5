import { useState, type FormEvent } from "react";
import type { InferRequestType } from "hono/client";
import { api } from "../api/client.ts";
import { call, errorMessage } from "../api/request.ts";
import { Field } from "../ui/Field.tsx";
import { HostCommand } from "./HostCommand.tsx";
import { parseLabels } from "./labels.ts";
import { Link } from "../app/Link.tsx";
import { useFleet } from "../live/FleetProvider.tsx";

type Body = InferRequestType<typeof api.desktops.$post>["json"];
const OSES: NonNullable<Body["os"]>[] = ["linux", "macos", "windows", "other"];

/** Adds a desktop; then offers the host command that turns it into a worker. */
export function AddDesktop() {
  const { reload } = useFleet();
  const [id, setId] = useState("");
  const [name, setName] = useState("");
  const [vncUrl, setVncUrl] = useState("");
  const [vncPassword, setVncPassword] = useState("");
  const [os, setOs] = useState<NonNullable<Body["os"]>>("linux");
  const [labels, setLabels] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<{ id: string; name: string } | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const json: Body = { id: id.trim(), os, labels: parseLabels(labels) };
    if (name.trim()) json.name = name.trim();
    if (vncUrl.trim()) json.vncUrl = vncUrl.trim();
    if (vncPassword) json.vncPassword = vncPassword;
    try {
      const d = await call(api.desktops.$post({ json }));
      setCreated({ id: d.id, name: d.name });
      reload();
      setVncPassword("");
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  if (created) {
    return (
      <section aria-labelledby="add-title">
        <h1 id="add-title">Desktop {created.name} added</h1>
        <p className="muted">
          It is view-only until a host connects. <Link to={`/desktops/${created.id}`}>Open it</Link> or go back to the <Link to="/">fleet</Link>.
        </p>
        <HostCommand desktopId={created.id} hasHostToken={false} />
      </section>
    );
  }

  return (
    <section aria-labelledby="add-title">
      <h1 id="add-title">Add a desktop</h1>
      <form className="card form" onSubmit={submit}>
        <Field label="Id" hint="Lowercase letters, digits and dashes; used in URLs and commands (e.g. mac-studio).">
          {(p) => <input {...p} required value={id} onChange={(e) => setId(e.target.value)} pattern="[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?" autoCapitalize="off" spellCheck={false} />}
        </Field>
        <Field label="Name" hint="Optional; defaults to the id.">
          {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field label="VNC URL" hint="Without a host the control plane dials this from Cloudflare: an address reachable from the internet (vnc://host:5900, ws:// or wss://; vnc://user@host:5900 for a Mac; ?security=X509Vnc,VncAuth limits the security methods). A machine on a private network (10.x, 192.168.x, .local) is reached through a host on that network instead: deskfleet-host run beside it, or one deskfleet-host gateway for several. Optional for a worker whose host reaches VNC locally.">
          {(p) => <input {...p} value={vncUrl} onChange={(e) => setVncUrl(e.target.value)} placeholder="vnc://vnc.example.com:5900" autoCapitalize="off" spellCheck={false} />}
        </Field>
        <Field label="VNC password" hint="Encrypted at rest and applied by the relay or host; never sent to browsers.">
          {(p) => <input {...p} type="password" autoComplete="new-password" value={vncPassword} onChange={(e) => setVncPassword(e.target.value)} />}
        </Field>
        <Field label="Operating system">
          {(p) => (
            <select {...p} value={os} onChange={(e) => setOs(e.target.value as typeof os)}>
              {OSES.map((o) => (
                <option key={o} value={o}>
                  {o}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Labels" hint="Comma- or space-separated; tasks can target desktops by label.">
          {(p) => <input {...p} value={labels} onChange={(e) => setLabels(e.target.value)} placeholder="office, chrome" autoCapitalize="off" />}
        </Field>
        {error && <p className="error" role="alert">{error}</p>}
        <button type="submit" className="primary" disabled={busy || !id.trim()}>
          {busy ? "Adding…" : "Add desktop"}
        </button>
      </form>
    </section>
  );
}
