import { useCallback, useEffect, useState } from "react";
import { api } from "../api/client.ts";
import { call, errorMessage } from "../api/request.ts";
import { useCan } from "../auth/session.ts";
import { useFleet } from "../live/FleetProvider.tsx";
import { ProposalCard } from "./ProposalCard.tsx";
import { decideProposal, type Proposal } from "./types.ts";

/**
 * What the supervisor wanted to do without a person asking (after reading
 * pages, screens or task results, or in a healer or optimizer job): approve
 * to carry it out, or reject. The first decision from any channel wins.
 */
export function ProposalsView() {
  const canDecide = useCan("operator");
  const { proposalStatus, refreshProposals } = useFleet();
  const [items, setItems] = useState<Proposal[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    if (!canDecide) return;
    call(api.proposals.$get({ query: { limit: "100" } }))
      .then((r) => setItems(r.items))
      .catch((e: unknown) => setError(errorMessage(e)));
  }, [canDecide]);
  useEffect(load, [load, proposalStatus]);

  if (!canDecide) {
    return (
      <section aria-labelledby="approvals-title">
        <h1 id="approvals-title">Approvals</h1>
        <p className="muted">Approvals need the operator role: they start tasks, type on desktops and change schedules.</p>
      </section>
    );
  }
  const pending = items?.filter((p) => p.status === "pending") ?? [];
  const decided = items?.filter((p) => p.status !== "pending") ?? [];
  const decide = async (p: Proposal, approve: boolean) => {
    try {
      await decideProposal(p.id, approve);
    } finally {
      load();
      refreshProposals();
    }
  };
  return (
    <section aria-labelledby="approvals-title">
      <h1 id="approvals-title">Approvals</h1>
      <p className="muted small">Changes the supervisor wants to make that no person asked for: it read them in a page, a screen or a task's result, or a healer or optimizer came up with them.</p>
      {error && <p className="error" role="alert">{error}</p>}
      {items && pending.length === 0 && <p className="muted">Nothing waits for your approval.</p>}
      <ul className="plain-list" aria-label="Waiting for approval">
        {pending.map((p) => (
          <li key={p.id}>
            <ProposalCard proposal={p} canDecide={canDecide} onDecide={(approve) => decide(p, approve)} />
          </li>
        ))}
      </ul>
      {decided.length > 0 && (
        <>
          <h2>Decided</h2>
          <ul className="plain-list" aria-label="Decided proposals">
            {decided.slice(0, 30).map((p) => (
              <li key={p.id}>
                <ProposalCard proposal={p} canDecide={false} onDecide={async () => undefined} />
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
