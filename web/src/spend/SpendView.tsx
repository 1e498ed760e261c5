import { useCallback, useEffect, useState } from "react";
import type { InferResponseType } from "hono/client";
import { api } from "../api/client.ts";
import { call, errorMessage } from "../api/request.ts";
import { useCan } from "../auth/session.ts";
import { useFleet } from "../live/FleetProvider.tsx";
import { Link } from "../app/Link.tsx";
import { FleetSwitch } from "./FleetSwitch.tsx";

type Report = InferResponseType<typeof api.spend.$get, 200>;
type Budget = Report["budget"];
type RunCost = InferResponseType<(typeof api.spend.schedules)[":id"]["$get"], 200>["items"][number];
type By = Report["by"];

const GROUPS: { by: By; label: string }[] = [
  { by: "desktop", label: "Desktop" },
  { by: "agent", label: "Agent" },
  { by: "schedule", label: "Schedule" },
  { by: "identity", label: "Who started it" },
  { by: "model", label: "Model" },
  { by: "source", label: "Desktops or supervisor" },
  { by: "day", label: "Day" },
];

export const dollars = (n: number) => `$${n < 1 ? n.toFixed(4) : n.toFixed(2)}`;

const monthStart = () => {
  const d = new Date();
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
};
const dayStart = () => {
  const d = new Date();
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
};

/** A budget window: spent of limit, as a bar (no limit: just the figure). */
export function BudgetBar({ label, spent, limit }: { label: string; spent: number; limit: number | null }) {
  const share = limit === null ? null : limit === 0 ? 1 : Math.min(1, spent / limit);
  return (
    <div className="budget-bar">
      <div>
        {label}: <strong>{dollars(spent)}</strong> {limit === null ? "(no limit)" : `of ${dollars(limit)}`}
      </div>
      {share !== null && (
        <progress max={1} value={share} aria-label={`${label}: ${Math.round(share * 100)} % of the budget`} className={share >= 1 ? "over" : share >= 0.8 ? "warn" : undefined} />
      )}
    </div>
  );
}

/** Spend: today and this month against the budget, by desktop, agent, schedule, identity or model; admins set the limits. */
export function SpendView() {
  const isAdmin = useCan("admin");
  const { fleet } = useFleet();
  const [window, setWindow] = useState<"today" | "month">("month");
  const [by, setBy] = useState<By>("desktop");
  const [report, setReport] = useState<Report | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [schedule, setSchedule] = useState<string | null>(null);
  const [runs, setRuns] = useState<RunCost[] | null>(null);

  const load = useCallback(() => {
    const from = String(window === "today" ? dayStart() : monthStart());
    call(api.spend.$get({ query: { by, from } }))
      .then(setReport)
      .catch((e: unknown) => setError(errorMessage(e)));
  }, [window, by]);
  useEffect(load, [load, fleet]);

  useEffect(() => {
    if (!schedule) return setRuns(null);
    call(api.spend.schedules[":id"].$get({ param: { id: schedule } }))
      .then((r) => setRuns(r.items))
      .catch((e: unknown) => setError(errorMessage(e)));
  }, [schedule]);

  const budget = report?.budget ?? fleet?.budget ?? null;
  return (
    <section aria-labelledby="spend-title">
      <h1 id="spend-title">Spend</h1>
      <p className="muted small">Every model call of the desktops and the supervisor, in dollars, counted in UTC days and months.</p>
      {error && <p className="error" role="alert">{error}</p>}
      {budget && (
        <div className="budget">
          <BudgetBar label="Today" spent={budget.todayUsd} limit={budget.dailyUsd} />
          <BudgetBar label="This month" spent={budget.monthUsd} limit={budget.monthlyUsd} />
          {budget.over && <p className="error">The {budget.over} budget is spent: new tasks wait and running ones are paused until an admin raises it (or runs a task anyway from its page).</p>}
          <FleetSwitch />
          {isAdmin && <BudgetForm budget={budget} onSaved={load} />}
        </div>
      )}
      <div className="toolbar">
        <label>
          Window{" "}
          <select value={window} onChange={(e) => setWindow(e.target.value as "today" | "month")}>
            <option value="today">Today</option>
            <option value="month">This month</option>
          </select>
        </label>
        <label>
          By{" "}
          <select value={by} onChange={(e) => setBy(e.target.value as By)}>
            {GROUPS.map((g) => (
              <option key={g.by} value={g.by}>
                {g.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      {report && (
        <table aria-label={`Spend by ${by}`}>
          <thead>
            <tr>
              <th scope="col">{GROUPS.find((g) => g.by === by)?.label}</th>
              <th scope="col">Calls</th>
              <th scope="col">Dollars</th>
            </tr>
          </thead>
          <tbody>
            {report.rows.length === 0 && (
              <tr>
                <td colSpan={3} className="muted">
                  No model calls in this window.
                </td>
              </tr>
            )}
            {report.rows.map((r) => (
              <tr key={r.key ?? "none"}>
                <td>
                  {by === "schedule" && r.key ? (
                    <button type="button" className="link" onClick={() => setSchedule(r.key)}>
                      {r.key}
                    </button>
                  ) : by === "desktop" && r.key ? (
                    <Link to={`/desktops/${encodeURIComponent(r.key)}`}>{r.key}</Link>
                  ) : (
                    (r.key ?? "—")
                  )}
                </td>
                <td>{r.calls}</td>
                <td>{dollars(r.costUsd)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">Total</th>
              <td />
              <td>{dollars(report.totalUsd)}</td>
            </tr>
          </tfoot>
        </table>
      )}
      {schedule && runs && (
        <section aria-labelledby="runs-title">
          <h2 id="runs-title">
            Cost per run of <Link to={`/schedules/${schedule}`}>{schedule}</Link>
          </h2>
          <ol className="plain-list">
            {runs.map((r) => (
              <li key={r.taskId}>
                {new Date(r.at).toLocaleString()} · <Link to={`/tasks/${r.taskId}`}>{r.taskId}</Link> · {r.calls} calls · {dollars(r.costUsd)}
              </li>
            ))}
          </ol>
        </section>
      )}
    </section>
  );
}

/** Admins set the daily and monthly limits at runtime (empty: no limit), or go back to the deployment's settings. */
function BudgetForm({ budget, onSaved }: { budget: Budget; onSaved: () => void }) {
  const { refreshFleet } = useFleet();
  const [daily, setDaily] = useState(budget.dailyUsd === null ? "" : String(budget.dailyUsd));
  const [monthly, setMonthly] = useState(budget.monthlyUsd === null ? "" : String(budget.monthlyUsd));
  const [error, setError] = useState<string | null>(null);
  const limit = (v: string) => (v.trim() === "" ? null : Number(v));
  const save = async (json: { dailyUsd?: number | null; monthlyUsd?: number | null; reset?: true }) => {
    setError(null);
    try {
      await call(api.spend.budget.$put({ json }));
      refreshFleet();
      onSaved();
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  return (
    <form
      aria-label="Budget"
      onSubmit={(e) => {
        e.preventDefault();
        void save({ dailyUsd: limit(daily), monthlyUsd: limit(monthly) });
      }}
    >
      <label>
        Daily limit ($){" "}
        <input inputMode="decimal" value={daily} onChange={(e) => setDaily(e.target.value)} placeholder="no limit" />
      </label>{" "}
      <label>
        Monthly limit ($){" "}
        <input inputMode="decimal" value={monthly} onChange={(e) => setMonthly(e.target.value)} placeholder="no limit" />
      </label>{" "}
      <button type="submit">Save limits</button>{" "}
      {budget.source === "runtime" && (
        <button type="button" className="small" onClick={() => void save({ reset: true })}>
          Back to the deployment's settings
        </button>
      )}
      {error && <p className="error" role="alert">{error}</p>}
    </form>
  );
}
