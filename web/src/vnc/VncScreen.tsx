import { useEffect, useRef, useState } from "react";

export type VncState = "connecting" | "connected" | "disconnected";

type Props = {
  /** A fresh `ws(s)://…/vnc?ticket=` URL; each ticket is single-use, so a new URL means a new connection. */
  url: string;
  viewOnly: boolean;
  label: string;
  onState?: (state: VncState, reason?: string) => void;
};

/**
 * A live desktop through noVNC. noVNC is loaded on first use (dynamic import)
 * so it stays out of the first screen's JavaScript. The relay offers security
 * type None: the VNC password never reaches the browser.
 */
export function VncScreen({ url, viewOnly, label, onState }: Props) {
  const target = useRef<HTMLDivElement>(null);
  const rfbRef = useRef<import("@novnc/novnc").default | null>(null);
  const [state, setState] = useState<VncState>("connecting");

  useEffect(() => {
    let cancelled = false;
    const report = (s: VncState, reason?: string) => {
      if (cancelled) return;
      setState(s);
      onState?.(s, reason);
    };
    report("connecting");
    void import("@novnc/novnc").then(({ default: RFB }) => {
      if (cancelled || !target.current) return;
      const rfb = new RFB(target.current, url, { shared: true });
      rfb.viewOnly = viewOnly;
      rfb.scaleViewport = true;
      rfb.resizeSession = false;
      rfb.background = "transparent";
      rfb.addEventListener("connect", () => report("connected"));
      rfb.addEventListener("disconnect", (e) => report("disconnected", (e as CustomEvent<{ clean: boolean }>).detail?.clean ? undefined : "the connection dropped"));
      rfbRef.current = rfb;
    });
    return () => {
      cancelled = true;
      rfbRef.current?.disconnect();
      rfbRef.current = null;
    };
    // onState is a notification only; reconnecting on its identity would churn tickets.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [url]);

  useEffect(() => {
    if (rfbRef.current) rfbRef.current.viewOnly = viewOnly;
  }, [viewOnly]);

  return <div ref={target} className={`vnc vnc-${state}`} role="img" aria-label={`${label}: ${state === "connected" ? "live screen" : state}`} />;
}
