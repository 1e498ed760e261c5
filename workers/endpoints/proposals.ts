import { OpenAPIHono, z } from "@hono/zod-openapi";
import { ListProposalsQuery, Proposal, ProposalId } from "@deskfleet/protocol";
import type { AppEnv } from "../app-env.ts";
import { conflictResponse, jsonContent, secureRoute } from "../http/route.ts";
import { validationHook } from "../http/errors.ts";
import { notFound } from "../../domain/api-error.ts";
import { decideProposal } from "../../domain/supervisor/approvals/decide.ts";
import { getProposal, listProposals, toProposal } from "../../db/proposals.ts";
import type { Identity } from "../auth/identity.ts";

const ProposalParam = z.object({ id: ProposalId });
const channelOf = (i: Identity): "dashboard" | "api" => (i.kind === "session" ? "dashboard" : "api");

/**
 * Writes the supervisor proposed instead of making (it was not asked by a
 * person in that turn). Operators decide them, like they answer help requests;
 * the proposal's SupervisorDO decides atomically and audits the decision.
 */
export const proposals = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(
    secureRoute("operator", {
      method: "get",
      path: "/api/proposals",
      summary: "Writes the supervisor proposed and waits for a person to approve, newest first",
      request: { query: ListProposalsQuery },
      responses: { 200: jsonContent(z.object({ items: z.array(Proposal) }), "Proposals") },
    }),
    async (c) => c.json({ items: (await listProposals(c.env.DB, c.req.valid("query"))).map(toProposal) }, 200),
  )
  .openapi(
    secureRoute("operator", {
      method: "get",
      path: "/api/proposals/{id}",
      summary: "One proposal: what it would do, why it waits, and how it was decided",
      request: { params: ProposalParam },
      responses: { 200: jsonContent(Proposal, "The proposal") },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const row = await getProposal(c.env.DB, id);
      if (!row) throw notFound("proposal", id);
      return c.json(toProposal(row), 200);
    },
  )
  .openapi(
    secureRoute("operator", {
      method: "post",
      path: "/api/proposals/{id}/approve",
      summary: "Approve a proposal: it is carried out now; the first decision from any channel wins",
      request: { params: ProposalParam },
      responses: { 200: jsonContent(Proposal, "Approved, with what carrying it out gave (`result` or `error`)"), ...conflictResponse("Already approved, rejected or expired") },
    }),
    async (c) => {
      const i = c.var.identity;
      return c.json(await decideProposal(c.env, c.req.valid("param").id, { approve: true, by: i.name, actor: i.id, via: channelOf(i) }), 200);
    },
  )
  .openapi(
    secureRoute("operator", {
      method: "post",
      path: "/api/proposals/{id}/reject",
      summary: "Reject a proposal: it is never carried out",
      request: { params: ProposalParam },
      responses: { 200: jsonContent(Proposal, "Rejected"), ...conflictResponse("Already approved, rejected or expired") },
    }),
    async (c) => {
      const i = c.var.identity;
      return c.json(await decideProposal(c.env, c.req.valid("param").id, { approve: false, by: i.name, actor: i.id, via: channelOf(i) }), 200);
    },
  );
