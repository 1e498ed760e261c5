import { describe, expect, it } from "vitest";
import { PerTaskOrder } from "./per-task-order.ts";

const later = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe("PerTaskOrder", () => {
  it("runs a task's work in the order it was queued, even when the earlier work is slower", async () => {
    const order = new PerTaskOrder();
    const done: string[] = [];
    const slow = later();
    const first = order.run("tsk_a", async () => {
      await slow.promise;
      done.push("a1");
    });
    const second = order.run("tsk_a", async () => void done.push("a2"));
    await Promise.resolve();
    expect(done).toEqual([]);
    slow.resolve();
    await Promise.all([first, second]);
    expect(done).toEqual(["a1", "a2"]);
  });

  it("does not make one task wait for another", async () => {
    const order = new PerTaskOrder();
    const done: string[] = [];
    const stuck = later();
    void order.run("tsk_a", () => stuck.promise.then(() => void done.push("a")));
    await order.run("tsk_b", async () => void done.push("b"));
    expect(done).toEqual(["b"]);
    stuck.resolve();
  });

  it("forgets a task once its queued work has run", async () => {
    const order = new PerTaskOrder();
    await order.run("tsk_a", async () => undefined);
    await new Promise((r) => setTimeout(r, 0));
    expect(order.size).toBe(0);
  });
});
