import { useId, type ReactNode } from "react";

type InputProps = { id: string; "aria-describedby"?: string };

/** A labelled control with an optional hint, wired for screen readers. */
export function Field({ label, hint, children }: { label: string; hint?: string; children: (props: InputProps) => ReactNode }) {
  const id = useId();
  const hintId = `${id}-hint`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children(hint ? { id, "aria-describedby": hintId } : { id })}
      {hint && (
        <p id={hintId} className="hint">
          {hint}
        </p>
      )}
    </div>
  );
}
