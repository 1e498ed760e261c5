/** Time-sortable ids: a base36 millisecond prefix, then randomness. */
export function newId(prefix: string, now = Date.now()): string {
  const time = now.toString(36).padStart(9, "0");
  const bytes = crypto.getRandomValues(new Uint8Array(10));
  let rand = "";
  for (const b of bytes) rand += (b % 36).toString(36);
  return `${prefix}_${time}${rand}`;
}

export const newTaskId = (now?: number): string => newId("tsk", now);
