import type { AgentTool, AssignedTask, HostEvent, KnownSecret, ProfileMcpServers, SecretUse, ServerMessage } from "@deskfleet/protocol";
import { envSecretNames, grants, mcpSecretNames, SECRET_ANSWER_LABEL, secretLabel, secretRedactor } from "@deskfleet/protocol";
import { getDesktop } from "../../db/desktops.ts";
import { open, seal } from "../../domain/crypto/secret-box.ts";
import { redactionValues, releaseSecret, summariesInScope, type ReleaseResult } from "../../domain/vault/release.ts";
import type { ScopeContext } from "../../domain/vault/scope.ts";
import type { PendingDelivery, TaskRecord } from "./task-record.ts";

/** How long the values of the secrets in scope are kept in memory for redaction before they are read again. */
const VALUES_TTL_MS = 30_000;

export type TaskSecretsDeps = {
  env: Env;
  /** FleetDO's exclusive holds: claim a secret for this task, or learn who holds it. */
  holdExclusive(taskId: string, name: string): Promise<{ ok: true } | { ok: false; heldBy: string }>;
};

/**
 * A task's side of the vault: the secrets its agent may type (names only, for
 * the assignment), releasing a value to the task's own desktop, sealing secret
 * help answers while they wait for delivery, and the last line of redaction
 * for host events. Values live only in this object's memory, never in its
 * storage.
 */
export class TaskSecrets {
  readonly #d: TaskSecretsDeps;
  /** The values of the secrets in scope, read from the vault. */
  #values: { at: number; desktopId: string; known: KnownSecret[] } | null = null;
  /** Codes and answers this object handed out or took in: not in the vault, redacted all the same. */
  readonly #extra = new Map<string, KnownSecret>();

  constructor(deps: TaskSecretsDeps) {
    this.#d = deps;
  }

  /** The names and descriptions of the secrets in the task's scope on this desktop. */
  async forAssignment(r: TaskRecord, desktopId: string): Promise<AssignedTask["secrets"]> {
    const ctx = await this.#scope(r, desktopId);
    return ctx ? summariesInScope(this.#d.env.DB, ctx) : [];
  }

  /** A value for the host running the task, now; audited by the vault. */
  async release(r: TaskRecord, desktopId: string, name: string, via: Exclude<SecretUse, "unlock_screen"> = "type_secret"): Promise<ReleaseResult> {
    const ctx = await this.#scope(r, desktopId);
    if (!ctx) return { ok: false, code: "not_in_scope", message: `desktop ${desktopId} no longer exists`, available: [] };
    const result = await releaseSecret(this.#d.env, name, {
      ...ctx,
      taskId: r.id,
      by: `task:${r.id}`,
      via,
      now: Date.now(),
      holdExclusive: (n) => this.#d.holdExclusive(r.id, n),
    });
    // A TOTP code is not in the vault as such: remember it so it is redacted like the seed.
    if (result.ok && result.kind === "totp") this.#extra.set(`code:${name}:${result.value}`, { value: result.value, label: secretLabel(name) });
    return result;
  }

  /** A secret help answer as it is kept until the host has it: sealed, bound to its request. */
  async sealAnswer(r: TaskRecord, requestId: string, answer: string): Promise<{ delivery: PendingDelivery; sealed: string }> {
    this.#extra.set(`answer:${requestId}`, { value: answer, label: SECRET_ANSWER_LABEL });
    const sealed = await seal(this.#d.env, "help-answer", answer, `${r.id}/${requestId}`);
    return { delivery: { type: "sealed_help_answer", taskId: r.id, requestId, sealed }, sealed };
  }

  /** Pending deliveries as the host reads them: sealed answers opened (one that no longer opens is dropped). */
  async openDeliveries(r: TaskRecord, pending: readonly PendingDelivery[]): Promise<ServerMessage[]> {
    const out: ServerMessage[] = [];
    for (const p of pending) {
      if (p.type !== "sealed_help_answer") {
        out.push(p);
        continue;
      }
      try {
        const answer = await open(this.#d.env, "help-answer", p.sealed, `${r.id}/${p.requestId}`);
        out.push({ type: "help_answer", taskId: p.taskId, requestId: p.requestId, status: "answered", answer, secret: true });
      } catch {
        console.error("a sealed help answer for", r.id, "no longer opens (DESKFLEET_SECRET_KEY changed); it is not redelivered");
      }
    }
    return out;
  }

  /** Host events with every known secret value replaced by its label, before anything stores them. */
  async redact(r: TaskRecord, events: HostEvent[]): Promise<HostEvent[]> {
    if (!r.desktopId || events.length === 0) return events;
    const vault = await this.#vaultValues(r, r.desktopId);
    await this.#loadAnswers(r);
    const known = [...vault, ...this.#extra.values()];
    const redactor = secretRedactor(known);
    return events.map((e) => ({ ...e, data: redactor.value(e.data) }));
  }

  async #vaultValues(r: TaskRecord, desktopId: string): Promise<KnownSecret[]> {
    const now = Date.now();
    if (this.#values && this.#values.desktopId === desktopId && now - this.#values.at < VALUES_TTL_MS) return this.#values.known;
    const ctx = await this.#scope(r, desktopId);
    const known = ctx ? await redactionValues(this.#d.env, ctx) : [];
    this.#values = { at: now, desktopId, known };
    return known;
  }

  /** After an eviction the answers are gone from memory: open the sealed copies once. */
  async #loadAnswers(r: TaskRecord): Promise<void> {
    for (const a of r.sealedAnswers ?? []) {
      if (this.#extra.has(`answer:${a.requestId}`)) continue;
      try {
        const value = await open(this.#d.env, "help-answer", a.sealed, `${r.id}/${a.requestId}`);
        this.#extra.set(`answer:${a.requestId}`, { value, label: SECRET_ANSWER_LABEL });
      } catch {
        // Sealed under a key we no longer have.
      }
    }
  }

  async #scope(r: TaskRecord, desktopId: string): Promise<ScopeContext | null> {
    const desktop = await getDesktop(this.#d.env.DB, desktopId);
    return desktop ? { desktopId, labels: desktop.labels, scheduleId: r.scheduleId } : null;
  }
}

/**
 * Why a value may not go to this task for this use, or null. The host asks,
 * but the task decides: type_secret needs the tool; a shell variable needs the
 * shell and the task's `env` naming that secret; an MCP server's header or env
 * needs an MCP grant and one of its agent's servers naming it.
 */
export function releaseRefusal(
  r: Pick<TaskRecord, "id" | "options">,
  tools: readonly AgentTool[] | undefined,
  mcpServers: ProfileMcpServers | undefined,
  name: string,
  use: Exclude<SecretUse, "unlock_screen">,
): string | null {
  const allows = (tool: string) => !tools || tools.some((t) => grants(t, tool));
  if (use === "type_secret") return allows("type_secret") ? null : `task ${r.id} may not type secrets: its agent's tools do not include type_secret`;
  if (use === "shell_env") {
    if (!allows("shell")) return `task ${r.id} has no shell: its tools do not include shell`;
    return envSecretNames(r.options.env).includes(name) ? null : `task ${r.id}'s env does not name secret \`${name}\``;
  }
  const naming = Object.entries(mcpServers ?? {}).filter(([server, config]) => mcpSecretNames({ [server]: config }).includes(name));
  if (naming.length === 0) return `no MCP server of task ${r.id}'s agent names secret \`${name}\``;
  return naming.some(([server]) => allows(`mcp:${server}`)) ? null : `task ${r.id} may not use MCP server ${naming.map(([s]) => s).join(", ")}: its tools do not include mcp`;
}
