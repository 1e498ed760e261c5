import { Link } from "../app/Link.tsx";
import { useCan } from "../auth/session.ts";
import { useAgents } from "./use-agents.ts";

/** Every agent: its name (what people write after @), what it does, its tools and skills. */
export function AgentsView() {
  const { agents, error } = useAgents();
  const isAdmin = useCan("admin");
  return (
    <section aria-labelledby="agents-title">
      <header className="page-head">
        <div>
          <h1 id="agents-title">Agents</h1>
          <p className="muted small">
            Write <code>@name</code> at the start of a prompt (here or in Telegram) to run it with an agent. <Link to="/skills">Skills</Link> are know-how agents carry.
          </p>
        </div>
        {isAdmin && (
          <Link to="/agents/new" className="button primary">
            New agent
          </Link>
        )}
      </header>
      {error && <p className="error" role="alert">{error}</p>}
      {!error && agents.length === 0 && <p className="muted empty">No agents yet.{isAdmin ? " Create one to give tasks a role, skills and limits." : ""}</p>}
      <ul className="grid" aria-label="Agents">
        {agents.map((a) => (
          <li key={a.name} className="tile">
            <Link to={`/agents/${a.name}`} className="tile-link">
              <div className="tile-body">
                <div className="tile-head">
                  <strong className="tile-name">@{a.name}</strong>
                  {a.continueFrom === "last" && <span className="badge">continues</span>}
                </div>
                <p className="tile-meta">{a.description}</p>
                <p className="muted small tile-meta">
                  {a.tools.join(", ")}
                  {a.skills.length > 0 && ` · skills: ${a.skills.join(", ")}`}
                  {a.target.desktopId ? ` · on ${a.target.desktopId}` : a.target.labels.length ? ` · on ${a.target.labels.join(", ")}` : ""}
                </p>
              </div>
            </Link>
          </li>
        ))}
      </ul>
    </section>
  );
}
