import { DurableObject } from "cloudflare:workers";
import { CloseCode } from "@deskfleet/protocol";
import { closeSafely, sendSafely } from "./safe-socket.ts";
import { revokedBy } from "../../domain/access/grant.ts";

export { closeSafely, sendSafely } from "./safe-socket.ts";

/** What each socket tag of an object carries: tag → the JSON message type sent to those sockets. */
export type SocketFeeds = Record<string, unknown>;

/** A tag of the object's sockets. */
type Tag<Feeds extends SocketFeeds> = keyof Feeds & string;

/**
 * A Durable Object that owns hibernatable WebSockets. Subclasses implement
 * small hooks (`onMessage`, `onClose`) and keep per-socket state in the
 * socket's serialized attachment, so nothing is lost when the object
 * hibernates between messages. `Feeds` names the object's socket tags and
 * the message each carries, so a message sent to the wrong sockets does not
 * compile.
 */
export abstract class HibernatingObject<Attachment extends object, Feeds extends SocketFeeds> extends DurableObject<Env> {
  protected acceptSocket(tags: Tag<Feeds>[], attachment: Attachment): { response: Response; socket: WebSocket } {
    const pair = new WebSocketPair();
    const client = pair[0];
    const server = pair[1];
    this.ctx.acceptWebSocket(server, tags);
    server.serializeAttachment(attachment);
    return { response: new Response(null, { status: 101, webSocket: client }), socket: server };
  }

  protected sockets(tag?: Tag<Feeds>): WebSocket[] {
    return this.ctx.getWebSockets(tag);
  }

  protected attachmentOf(ws: WebSocket): Attachment {
    return ws.deserializeAttachment() as Attachment;
  }

  protected setAttachment(ws: WebSocket, value: Attachment): void {
    ws.serializeAttachment(value);
  }

  /** Sends to one socket of the tag; false (and the socket closed) if it failed. */
  protected send<T extends Tag<Feeds>>(_tag: T, ws: WebSocket, message: Feeds[T]): boolean {
    return sendSafely(ws, JSON.stringify(message));
  }

  /** Sends to every open socket with the tag; a socket that fails is closed, never fatal. */
  protected broadcast<T extends Tag<Feeds>>(tag: T, message: Feeds[T]): void {
    const text = JSON.stringify(message);
    for (const ws of this.ctx.getWebSockets(tag)) sendSafely(ws, text);
  }

  /**
   * Closes the sockets of a tag whose attachment's `keys` include a revoked one; returns how many.
   * Every socket a person opens carries the keys of the credentials it was opened with.
   */
  protected closeRevoked(tag: Tag<Feeds>, revoked: readonly string[], code: number, reason: string): number {
    let closed = 0;
    for (const ws of this.ctx.getWebSockets(tag)) {
      if (!revokedBy((this.attachmentOf(ws) as { keys?: string[] }).keys, revoked)) continue;
      closeSafely(ws, code, reason);
      closed += 1;
    }
    return closed;
  }

  protected onMessage(_ws: WebSocket, _message: string | ArrayBuffer): void | Promise<void> {}
  protected onClose(_ws: WebSocket, _code: number, _reason: string): void | Promise<void> {}

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    await this.onMessage(ws, message);
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    closeSafely(ws, code === CloseCode.noStatus || code === CloseCode.abnormal ? CloseCode.normal : code, reason);
    await this.onClose(ws, code, reason);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    closeSafely(ws, CloseCode.internal, "socket error");
    await this.onClose(ws, CloseCode.abnormal, "socket error");
  }
}
