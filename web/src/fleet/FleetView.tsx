import { Link } from "../app/Link.tsx";
import { useCan } from "../auth/session.ts";
import { useFleet } from "../live/FleetProvider.tsx";
import { DesktopTile } from "./DesktopTile.tsx";

const ORDER = { busy: 0, online: 1, view_only: 2, offline: 3 } as const;

export function FleetView() {
  const { desktops, loaded } = useFleet();
  const canAdd = useCan("admin");
  const sorted = [...desktops].sort((a, b) => ORDER[a.presence] - ORDER[b.presence] || a.name.localeCompare(b.name));
  const counts = desktops.reduce<Record<string, number>>((acc, d) => ({ ...acc, [d.presence]: (acc[d.presence] ?? 0) + 1 }), {});
  return (
    <section aria-labelledby="fleet-title">
      <header className="page-head">
        <div>
          <h1 id="fleet-title">Fleet</h1>
          <p className="muted small">
            {desktops.length} desktop{desktops.length === 1 ? "" : "s"}
            {Object.entries(counts).map(([k, n]) => ` · ${n} ${k.replace("_", "-")}`)}
          </p>
        </div>
        <div className="head-actions">
          <Link to="/tasks/new" className="button primary">
            Run a task
          </Link>
          {canAdd && (
            <Link to="/desktops/new" className="button">
              Add desktop
            </Link>
          )}
        </div>
      </header>
      {loaded && desktops.length === 0 ? (
        <div className="card empty">
          <p>No desktops yet.</p>
          {canAdd && <Link to="/desktops/new">Add your first desktop</Link>}
        </div>
      ) : (
        <ul className="grid" aria-label="Desktops">
          {sorted.map((d) => (
            <DesktopTile key={d.id} desktop={d} />
          ))}
        </ul>
      )}
    </section>
  );
}
