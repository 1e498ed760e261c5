import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";

// One key set per team domain, kept for the isolate's life; jose caches and refreshes the keys.
const keySets = new Map<string, JWTVerifyGetKey>();

/**
 * Verifies a Cloudflare Access JWT (`Cf-Access-Jwt-Assertion`) against the team's
 * published keys and the application's AUD tag. Returns the identity's email or null.
 */
export async function verifyAccessJwt(token: string, teamDomain: string, aud: string, keysOverride?: JWTVerifyGetKey): Promise<string | null> {
  const issuer = teamDomain.startsWith("https://") ? teamDomain : `https://${teamDomain}`;
  let keys = keysOverride ?? keySets.get(issuer);
  if (!keys) {
    keys = createRemoteJWKSet(new URL(`${issuer}/cdn-cgi/access/certs`));
    keySets.set(issuer, keys);
  }
  try {
    const { payload } = await jwtVerify(token, keys, { issuer, audience: aud });
    return emailOf(payload);
  } catch {
    return null;
  }
}

function emailOf(payload: JWTPayload): string | null {
  const email = payload["email"];
  if (typeof email === "string" && email.length > 0) return email;
  return typeof payload.sub === "string" && payload.sub.length > 0 ? payload.sub : null;
}
