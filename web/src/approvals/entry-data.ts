import type { HealerRetryMeta, ProposalEntryData } from "@deskfleet/protocol";

// Checked by hand rather than with the protocol's zod schemas: zod would add ~30 KB to the first screen.
const isString = (v: unknown): v is string => typeof v === "string";
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The `data` of a `proposal` conversation entry, or null when it is not one. */
export function proposalEntryData(data: unknown): ProposalEntryData | null {
  if (!isRecord(data) || !isString(data["proposalId"]) || !isString(data["tool"]) || !isString(data["summary"])) return null;
  const status = data["status"];
  if (status !== "pending" && status !== "approved" && status !== "rejected" && status !== "expired") return null;
  const error = isRecord(data["error"]) && isString(data["error"]["code"]) && isString(data["error"]["message"]) ? { code: data["error"]["code"], message: data["error"]["message"] } : null;
  return {
    proposalId: data["proposalId"],
    status,
    tool: data["tool"],
    summary: data["summary"],
    toolUseId: isString(data["toolUseId"]) ? data["toolUseId"] : null,
    expiresAt: typeof data["expiresAt"] === "number" ? data["expiresAt"] : 0,
    decidedBy: isString(data["decidedBy"]) ? data["decidedBy"] : null,
    result: isString(data["result"]) ? data["result"] : null,
    error,
  };
}

/** A healer's retry's `sourceMeta`, or null for any other task. */
export function healerRetryMeta(meta: unknown): HealerRetryMeta | null {
  if (!isRecord(meta) || !isString(meta["retryOf"]) || !isString(meta["healerTaskId"]) || !isString(meta["reason"])) return null;
  return {
    retryOf: meta["retryOf"],
    healerTaskId: meta["healerTaskId"],
    reason: meta["reason"],
    ...(isString(meta["proposalId"]) ? { proposalId: meta["proposalId"] } : {}),
    ...(isString(meta["approvedBy"]) ? { approvedBy: meta["approvedBy"] } : {}),
  };
}
