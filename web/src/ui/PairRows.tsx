import { useId } from "react";

export type Pair = { key: string; value: string };

/**
 * An editable list of name/value rows with add and remove (shell variables,
 * an MCP server's headers or env). Values here are vault references, never
 * secrets themselves, so they are plain text inputs.
 */
export function PairRows({
  label,
  rows,
  onChange,
  keyLabel,
  valueLabel,
  keyPlaceholder,
  valuePlaceholder,
  addLabel,
  suggestions,
}: {
  label: string;
  rows: Pair[];
  onChange: (rows: Pair[]) => void;
  keyLabel: string;
  valueLabel: string;
  keyPlaceholder?: string;
  valuePlaceholder?: string;
  addLabel: string;
  /** Values to offer as the user types (e.g. the vault's secret names). */
  suggestions?: string[];
}) {
  const listId = useId();
  const set = (i: number, patch: Partial<Pair>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <div role="group" aria-label={label} className="pair-rows">
      {suggestions && suggestions.length > 0 && (
        <datalist id={listId}>
          {suggestions.map((s) => (
            <option key={s} value={s} />
          ))}
        </datalist>
      )}
      {rows.map((r, i) => (
        <div key={i} className="row">
          <input aria-label={`${keyLabel} ${i + 1}`} value={r.key} placeholder={keyPlaceholder} spellCheck={false} onChange={(e) => set(i, { key: e.target.value })} />
          <input aria-label={`${valueLabel} ${i + 1}`} value={r.value} placeholder={valuePlaceholder} spellCheck={false} list={suggestions?.length ? listId : undefined} onChange={(e) => set(i, { value: e.target.value })} />
          <button type="button" aria-label={`Remove ${keyLabel.toLowerCase()} ${r.key || i + 1}`} onClick={() => onChange(rows.filter((_, j) => j !== i))}>
            Remove
          </button>
        </div>
      ))}
      <button type="button" onClick={() => onChange([...rows, { key: "", value: "" }])}>
        {addLabel}
      </button>
    </div>
  );
}

/** Rows as a record, leaving out rows with no name. */
export const pairsToRecord = (rows: Pair[]): Record<string, string> =>
  Object.fromEntries(rows.filter((r) => r.key.trim()).map((r) => [r.key.trim(), r.value.trim()]));

export const recordToPairs = (record: Record<string, string> | undefined): Pair[] => Object.entries(record ?? {}).map(([key, value]) => ({ key, value }));
