import { ActionInput, MAX_ACTION_TEXT_CHARS, MAX_ASSISTANT_TEXT_CHARS, truncate as cut, type HostEventInput } from "@deskfleet/protocol";

// The model's tool input is untrusted: the `action` event keeps each field the
// protocol knows only when it is valid (long text cut to the limit), so the
// event is always accepted and the transcript can always show it.

const FIELDS = ActionInput.shape;
type Field = keyof typeof FIELDS;

export function actionEvent(name: string, raw: Record<string, unknown>, step: number, reason?: "startUrl"): HostEventInput<"action"> {
  const input: Record<string, unknown> = {};
  const dropped: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (!(key in FIELDS)) {
      dropped.push(key.slice(0, 64));
      continue;
    }
    const field = key as Field;
    const candidate = field === "text" && typeof value === "string" ? cut(value, MAX_ACTION_TEXT_CHARS) : value;
    const parsed = FIELDS[field].safeParse(candidate);
    if (parsed.success && parsed.data !== undefined) input[field] = parsed.data;
    else if (value !== undefined && value !== null) dropped.push(field);
  }
  return {
    name: cut(name, 64),
    input: input as ActionInput,
    step,
    ...(reason ? { reason } : {}),
    ...(dropped.length ? { dropped: dropped.slice(0, 20) } : {}),
  };
}

/** The model's words as an `assistant_text` event, cut to the protocol's limit. */
export function assistantTextEvent(text: string, step: number): HostEventInput<"assistant_text"> {
  return { text: cut(text, MAX_ASSISTANT_TEXT_CHARS), step };
}
