import { firstUserText, text, toolsetCall, type ConversationScript, type ScriptStep } from "../../test-support/scripted-anthropic/index.ts";

export const NAME_FIELD = [290, 122] as const;
export const SUBMIT = [140, 210] as const;
const MAX_STEPS = 600;

/**
 * A long task whose length the test decides: the scripted model clears the
 * name field, then types one word a step (with a screenshot now and then, so
 * uploads happen too) until `enough()` says so, then submits the form and
 * ends. It remembers what it asked for, so the test can compare the stored
 * history and the page's own events with what the model really did.
 */
export class PacedTask {
  readonly marker: string;
  /** Every tool call the model made, in order. */
  readonly calls: { name: string; input: Record<string, unknown> }[] = [];
  /** The words typed, in order: the field's final value is their concatenation. */
  readonly typed: string[] = [];
  readonly #enough: () => boolean;
  readonly #stepMs: number;
  #phase: "typing" | "submitted" | "done" = "typing";

  constructor(marker: string, opts: { enough: () => boolean; stepMs?: number }) {
    this.marker = marker;
    this.#enough = opts.enough;
    this.#stepMs = opts.stepMs ?? 250;
  }

  get prompt(): string {
    return `${this.marker} Type words into the name field until you are told to stop, then submit the form.`;
  }

  get result(): string {
    return `Typed ${this.typed.length} words and submitted the form.`;
  }

  get value(): string {
    return this.typed.join("");
  }

  conversation(): ConversationScript {
    const marker = this.marker;
    return { name: marker, match: (b) => firstUserText(b).startsWith(marker), steps: this.#steps() };
  }

  #call(name: string, input: Record<string, unknown>, say?: string) {
    this.calls.push({ name, input });
    return toolsetCall(name, input, say === undefined ? {} : { text: say });
  }

  #steps(): ScriptStep[] {
    // Select-all then delete: a triple click does not select all of a long, scrolled input.
    const steps: ScriptStep[] = [
      () => this.#call("left_click", { coordinate: [...NAME_FIELD] }, "Clearing the name field."),
      () => this.#call("key", { text: "ctrl+a" }),
      () => this.#call("key", { text: "BackSpace" }),
    ];
    for (let i = 0; steps.length < MAX_STEPS; i++) {
      steps.push(async () => {
        if (this.#phase === "submitted") {
          this.#phase = "done";
          return text(this.result);
        }
        if (this.#phase === "done") return text("Already done.");
        await new Promise((r) => setTimeout(r, this.#stepMs));
        if (this.#enough()) {
          this.#phase = "submitted";
          return this.#call("left_click", { coordinate: [...SUBMIT] }, "Submitting.");
        }
        if (i % 8 === 7) return this.#call("screenshot", {});
        const word = `w${i} `;
        this.typed.push(word);
        return this.#call("type", { text: word }, i % 3 === 0 ? `Typing word ${i}.` : undefined);
      });
    }
    return steps;
  }
}
