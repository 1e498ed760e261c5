import { PairRows, pairsToRecord, recordToPairs, type Pair } from "../ui/PairRows.tsx";
import type { Agent } from "./types.ts";

type Servers = Agent["mcpServers"];

/** One server as the form edits it: a URL with headers, or a command with arguments and env. */
export type ServerDraft = { name: string; kind: "url" | "command"; url: string; command: string; args: string; pairs: Pair[] };

export const draftsOf = (servers: Servers | undefined): ServerDraft[] =>
  Object.entries(servers ?? {}).map(([name, s]) =>
    "url" in s
      ? { name, kind: "url", url: s.url, command: "", args: "", pairs: recordToPairs(s.headers) }
      : { name, kind: "command", url: "", command: s.command, args: (s.args ?? []).join("\n"), pairs: recordToPairs(s.env) },
  );

/** The drafts as the API takes them (`mcpServers`); rows without a name are left out. */
export function serversOf(drafts: ServerDraft[]): Servers {
  const out: Servers = {};
  for (const d of drafts) {
    const name = d.name.trim();
    if (!name) continue;
    const pairs = pairsToRecord(d.pairs);
    const some = Object.keys(pairs).length > 0;
    if (d.kind === "url") out[name] = { url: d.url.trim(), ...(some ? { headers: pairs } : {}) };
    else {
      const args = d.args.split("\n").map((a) => a.trim()).filter(Boolean);
      out[name] = { command: d.command.trim(), ...(args.length ? { args } : {}), ...(some ? { env: pairs } : {}) };
    }
  }
  return out;
}

/**
 * The agent's MCP servers: add, change, remove. Header and env values may
 * name vault secrets (`secret:github`, `Bearer {{secret:github}}`): the host
 * gets the value for each run, never the dashboard.
 */
export function McpServersEditor({ drafts, onChange }: { drafts: ServerDraft[]; onChange: (d: ServerDraft[]) => void }) {
  const set = (i: number, patch: Partial<ServerDraft>) => onChange(drafts.map((d, j) => (j === i ? { ...d, ...patch } : d)));
  return (
    <fieldset>
      <legend>MCP servers</legend>
      <p className="hint">
        Connected by the desktop's host for each task of this agent, their tools offered as mcp__name__tool. A URL server needs the host to allow mcp; a command
        server runs on the desktop's machine, so it needs the host to allow mcp and shell. Give the agent the MCP servers tool above. Credentials come from the vault:
        write secret:name, or Bearer {"{{secret:name}}"}.
      </p>
      {drafts.map((d, i) => (
        <div key={i} className="card mcp-server" role="group" aria-label={`MCP server ${d.name || i + 1}`}>
          <div className="row">
            <input aria-label={`Server ${i + 1} name`} value={d.name} placeholder="github" spellCheck={false} onChange={(e) => set(i, { name: e.target.value.toLowerCase() })} />
            <select aria-label={`Server ${i + 1} kind`} value={d.kind} onChange={(e) => set(i, { kind: e.target.value as ServerDraft["kind"] })}>
              <option value="url">URL (Streamable HTTP)</option>
              <option value="command">Command (stdio, runs on the desktop)</option>
            </select>
            <button type="button" onClick={() => onChange(drafts.filter((_, j) => j !== i))}>
              Remove server {d.name || i + 1}
            </button>
          </div>
          {d.kind === "url" ? (
            <input aria-label={`Server ${i + 1} URL`} type="url" value={d.url} placeholder="https://mcp.example.com/mcp" onChange={(e) => set(i, { url: e.target.value })} />
          ) : (
            <>
              <input aria-label={`Server ${i + 1} command`} value={d.command} placeholder="npx" onChange={(e) => set(i, { command: e.target.value })} />
              <textarea aria-label={`Server ${i + 1} arguments, one per line`} rows={2} value={d.args} onChange={(e) => set(i, { args: e.target.value })} />
            </>
          )}
          <PairRows
            label={d.kind === "url" ? `Server ${i + 1} headers` : `Server ${i + 1} environment`}
            rows={d.pairs}
            onChange={(pairs) => set(i, { pairs })}
            keyLabel={d.kind === "url" ? "Header" : "Variable"}
            valueLabel="Value"
            keyPlaceholder={d.kind === "url" ? "Authorization" : "GITHUB_TOKEN"}
            valuePlaceholder={d.kind === "url" ? "Bearer {{secret:github}}" : "secret:github"}
            addLabel={d.kind === "url" ? "Add a header" : "Add a variable"}
          />
        </div>
      ))}
      <button type="button" onClick={() => onChange([...drafts, { name: "", kind: "url", url: "", command: "", args: "", pairs: [] }])}>
        Add an MCP server
      </button>
    </fieldset>
  );
}
