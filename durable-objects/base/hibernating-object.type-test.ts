// Compile-time checks of HibernatingObject's typed sockets, run by `npm run typecheck`:
// each line marked @ts-expect-error must fail to compile, or the typecheck fails.
import type { FleetFeedMessage, TaskFeedMessage } from "@deskfleet/protocol";
import { HibernatingObject } from "./hibernating-object.ts";

export abstract class TypedSocketsCheck extends HibernatingObject<{ connectedAt: number }, { feed: FleetFeedMessage; watcher: TaskFeedMessage }> {
  check(ws: WebSocket): void {
    this.broadcast("feed", { type: "hello", at: 1 });
    this.broadcast("watcher", { type: "replayed", lastSeq: 3 });
    this.send("feed", ws, { type: "hello", at: 1 });
    this.acceptSocket(["feed"], { connectedAt: 1 });

    // @ts-expect-error a task feed message broadcast to fleet feed sockets
    this.broadcast("feed", { type: "replayed", lastSeq: 3 });
    // @ts-expect-error a fleet feed message sent to a task watcher
    this.send("watcher", ws, { type: "hello", at: 1 });
    // @ts-expect-error a tag no socket of this object has
    this.broadcast("live", { type: "hello", at: 1 });
    // @ts-expect-error accepting a socket under an undeclared tag
    this.acceptSocket(["fed"], { connectedAt: 1 });
    // @ts-expect-error a message with a field its schema does not have
    this.broadcast("feed", { type: "hello", at: 1, extra: true });
  }
}
