// Notices a model going round in circles. An action's signature is its name,
// its input and the screen it was taken on: the same click on the same screen
// three times, or two actions ping-ponging (A, B, A, B) over the same two
// screens, is a loop; paging through results by clicking "Next" is not (the
// screen differs each time). The first detection warns the model; if the very
// next action keeps the pattern going, the task stops.

export type LoopVerdict =
  | { kind: "ok" }
  | { kind: "warn"; message: string }
  | { kind: "stop"; message: string };

export type LoopDetectorOptions = {
  /** Identical consecutive actions that count as a loop. Default 3. */
  repeats?: number;
  /** Length of an A/B alternation that counts as a loop. Default 4 (A, B, A, B). */
  pingPong?: number;
};

export class LoopDetector {
  readonly #repeats: number;
  readonly #pingPong: number;
  readonly #recent: string[] = [];
  #warned = false;

  constructor(options: LoopDetectorOptions = {}) {
    this.#repeats = options.repeats ?? 3;
    this.#pingPong = options.pingPong ?? 4;
  }

  /** Records one action and says whether the model is looping. */
  record(signature: string, describe: string): LoopVerdict {
    this.#recent.push(signature);
    const keep = Math.max(this.#repeats, this.#pingPong);
    if (this.#recent.length > keep) this.#recent.splice(0, this.#recent.length - keep);
    const pattern = this.#repeating() ? `repeated ${describe} ${this.#repeats} times with no change on screen`
      : this.#pingPonging() ? `alternated between the same two actions ${this.#pingPong} times with no progress`
      : null;
    if (pattern === null) {
      this.#warned = false;
      return { kind: "ok" };
    }
    if (this.#warned) return { kind: "stop", message: `The model kept looping after a warning: it ${pattern}.` };
    this.#warned = true;
    return {
      kind: "warn",
      message: `Loop warning: you have ${pattern}. That is not working. Take a screenshot, rethink, and try a different approach; if you are blocked, use ask_human.`,
    };
  }

  #repeating(): boolean {
    const r = this.#recent.slice(-this.#repeats);
    return r.length === this.#repeats && r.every((s) => s === r[0]);
  }

  #pingPonging(): boolean {
    const r = this.#recent.slice(-this.#pingPong);
    if (r.length !== this.#pingPong || r[0] === r[1]) return false;
    return r.every((s, i) => s === r[i % 2]);
  }
}

/** A stable signature: key order in the input does not matter. */
export function actionSignature(name: string, input: unknown, screen: string): string {
  return `${name} ${stableJson(input)} @${screen}`;
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(",")}]`;
  if (v !== null && typeof v === "object") {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}
