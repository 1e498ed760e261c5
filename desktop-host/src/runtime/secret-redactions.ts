import type { KnownSecret, SecretRedactor } from "@deskfleet/protocol";
import { secretRedactor } from "@deskfleet/protocol";

/**
 * The secret values this host holds right now (released to a running task,
 * answers to its secret questions, a credential being typed for
 * unlock_screen), each under an owner that forgets them when done. The
 * logger and the event emit path run everything through it: a value that
 * slips into a log line or an event becomes its label (`[secret:github]`).
 */
export class SecretRedactions implements Pick<SecretRedactor, "text" | "value"> {
  readonly #owners = new Map<string, KnownSecret[]>();
  #redactor: SecretRedactor = secretRedactor([]);

  add(owner: string, secret: KnownSecret): void {
    this.#owners.set(owner, [...(this.#owners.get(owner) ?? []), secret]);
    this.#rebuild();
  }

  /** The owner is done (its task ended, its unlock finished): its values are dropped. */
  forget(owner: string): void {
    if (this.#owners.delete(owner)) this.#rebuild();
  }

  text(s: string): string {
    return this.#redactor.text(s);
  }

  value<T>(v: T): T {
    return this.#redactor.value(v);
  }

  #rebuild(): void {
    this.#redactor = secretRedactor([...this.#owners.values()].flat());
  }
}
