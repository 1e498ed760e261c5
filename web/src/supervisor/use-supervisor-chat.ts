import { useCallback, useEffect, useRef, useState } from "react";
import type { SupervisorEntry, SupervisorFeedMessage, SupervisorStatus } from "@deskfleet/protocol";
import { api } from "../api/client.ts";
import { call, errorMessage } from "../api/request.ts";
import { liveUrl, ReconnectingSocket, type ConnectionState } from "../live/reconnecting-socket.ts";
import { mergeEntries } from "./chat-log.ts";

export type SupervisorChat = {
  entries: SupervisorEntry[];
  status: SupervisorStatus | null;
  connection: ConnectionState;
  loaded: boolean;
  error: string | null;
  send: (text: string) => Promise<void>;
};

const conversation = () => api.supervisor.conversations[":id"];

/**
 * One conversation with the supervisor: its stored transcript, then the live
 * feed. The feed does not replay, so whenever it (re)opens and says the
 * conversation is ahead of us, the missing entries are fetched.
 */
export function useSupervisorChat(id: string): SupervisorChat {
  const [entries, setEntries] = useState<SupervisorEntry[]>([]);
  const [status, setStatus] = useState<SupervisorStatus | null>(null);
  const [connection, setConnection] = useState<ConnectionState>({ kind: "connecting", attempt: 0 });
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const lastSeq = useRef(0);

  const add = useCallback((incoming: readonly SupervisorEntry[]) => {
    if (incoming.length === 0) return;
    lastSeq.current = Math.max(lastSeq.current, ...incoming.map((e) => e.seq));
    setEntries((log) => mergeEntries(log, incoming));
  }, []);

  /** Fetches everything after what we have, page by page. */
  const catchUp = useCallback(async () => {
    let after: number | null = lastSeq.current;
    while (after !== null) {
      const page: { entries: SupervisorEntry[]; status: SupervisorStatus; nextAfter: number | null } = await call(conversation().$get({ param: { id }, query: { after: String(after) } }));
      add(page.entries);
      setStatus(page.status);
      after = page.nextAfter;
    }
  }, [id, add]);

  useEffect(() => {
    setEntries([]);
    setStatus(null);
    setLoaded(false);
    setError(null);
    lastSeq.current = 0;
    let live = true;
    const load = () =>
      catchUp()
        .then(() => live && (setLoaded(true), setError(null)))
        .catch((e: unknown) => live && setError(errorMessage(e)));
    void load();
    const socket = new ReconnectingSocket({
      url: liveUrl(`/api/supervisor/conversations/${encodeURIComponent(id)}/live`),
      onState: (s) => live && setConnection(s),
      onMessage: (data) => {
        if (!live) return;
        const m = data as SupervisorFeedMessage;
        if (m.type === "entry") add([m.entry]);
        else setStatus(m.status);
        if (m.type === "hello" && m.lastSeq > lastSeq.current) void load();
      },
    });
    return () => {
      live = false;
      socket.close();
    };
  }, [id, add, catchUp]);

  const send = useCallback(
    async (text: string) => {
      const r = await call(conversation().messages.$post({ param: { id }, json: { text } }));
      setStatus(r.status);
      // The message is stored before the POST returns; fetch it so it shows even while the feed is down.
      await catchUp().catch(() => undefined);
    },
    [id, catchUp],
  );

  return { entries, status, connection, loaded, error, send };
}
