import { useCallback, useEffect, useState } from "react";
import { api } from "../api/client.ts";
import { call, RequestError } from "../api/request.ts";
import { SessionContext, type SessionInfo } from "../auth/session.ts";
import { SignIn } from "../auth/SignIn.tsx";
import { takeSignInCode } from "../auth/sign-in-link.ts";
import { FleetProvider } from "../live/FleetProvider.tsx";
import { Shell } from "./Shell.tsx";

type Auth = { kind: "loading" } | { kind: "signed-out"; linkCode: string | null } | { kind: "signed-in"; info: SessionInfo };

/** Signs in (token, one-time link or Cloudflare Access), then shows the dashboard. */
export function App() {
  const [auth, setAuth] = useState<Auth>({ kind: "loading" });

  useEffect(() => {
    const linkCode = takeSignInCode();
    if (linkCode) {
      setAuth({ kind: "signed-out", linkCode });
      return;
    }
    call(api.session.$get())
      .then((info) => setAuth({ kind: "signed-in", info }))
      .catch((e: unknown) => setAuth(e instanceof RequestError && e.status === 401 ? { kind: "signed-out", linkCode: null } : { kind: "signed-out", linkCode: null }));
  }, []);

  const onSignedIn = useCallback((info: SessionInfo) => setAuth({ kind: "signed-in", info }), []);
  const onSignedOut = useCallback(() => setAuth({ kind: "signed-out", linkCode: null }), []);
  const signOut = useCallback(async () => {
    await call(api.session.$delete()).catch(() => undefined);
    onSignedOut();
  }, [onSignedOut]);

  if (auth.kind === "loading") return <p className="muted boot">Loading…</p>;
  if (auth.kind === "signed-out") return <SignIn onSignedIn={onSignedIn} linkCode={auth.linkCode} />;
  return (
    <SessionContext.Provider value={{ info: auth.info, signOut, signedOut: onSignedOut }}>
      <FleetProvider onSignedOut={onSignedOut}>
        <Shell />
      </FleetProvider>
    </SessionContext.Provider>
  );
}
