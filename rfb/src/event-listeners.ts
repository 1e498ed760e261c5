// A minimal typed listener registry; works the same in Node and workerd,
// unlike EventEmitter (Node) or EventTarget with custom events (verbose).
export class EventListeners<Events extends Record<string, unknown>> {
  readonly #listeners = new Map<keyof Events, Set<(event: never) => void>>();

  on<K extends keyof Events>(name: K, listener: (event: Events[K]) => void): () => void {
    let set = this.#listeners.get(name);
    if (!set) this.#listeners.set(name, (set = new Set()));
    set.add(listener as (event: never) => void);
    return () => set.delete(listener as (event: never) => void);
  }

  emit<K extends keyof Events>(name: K, event: Events[K]): void {
    for (const listener of [...(this.#listeners.get(name) ?? [])]) {
      try {
        (listener as (event: Events[K]) => void)(event);
      } catch (error) {
        // One faulty listener must not stop the protocol loop or the others.
        console.error(`rfb: ${String(name)} listener threw`, error);
      }
    }
  }

  clear(): void {
    this.#listeners.clear();
  }
}
