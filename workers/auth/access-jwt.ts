import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";

// One key set per team domain, kept for the isolate's life; jose caches and refreshes the keys.
const keySets = new Map<string, JWTVerifyGetKey>();

/**
 * Verifies a Cloudflare Access JWT (`Cf-Access-Jwt-Assertion`) against the team's
 * published keys and the application's AUD tag. Returns the identity's email (or a service token's client id) or null.
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

/** A person's email, or a service token's client id (`common_name`), which is what DESKFLEET_ACCESS_ROLES names. */
function emailOf(payload: JWTPayload): string | null {
  for (const claim of [payload["email"], payload["common_name"], payload.sub]) {
    if (typeof claim === "string" && claim.length > 0) return claim;
  }
  return null;
}
