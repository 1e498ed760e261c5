import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { verifyAccessJwt } from "./access-jwt.ts";

const TEAM = "acme.cloudflareaccess.com";
const AUD = "a1b2c3d4e5f6";
let keys: ReturnType<typeof createLocalJWKSet>;
let privateKey: CryptoKey;
let otherKey: CryptoKey;

beforeAll(async () => {
  const pair = await generateKeyPair("RS256");
  privateKey = pair.privateKey;
  otherKey = (await generateKeyPair("RS256")).privateKey;
  keys = createLocalJWKSet({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "RS256" }] });
});

function sign(claims: Record<string, unknown>, opts: { key?: CryptoKey; iss?: string; aud?: string; exp?: string } = {}) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "RS256", kid: "k1" })
    .setIssuer(opts.iss ?? `https://${TEAM}`)
    .setAudience(opts.aud ?? AUD)
    .setIssuedAt()
    .setExpirationTime(opts.exp ?? "5m")
    .sign(opts.key ?? privateKey);
}

describe("Cloudflare Access JWTs", () => {
  it("accepts a token signed by the team's key for this application and returns the email", async () => {
    expect(await verifyAccessJwt(await sign({ email: "ada@example.com" }), TEAM, AUD, keys)).toBe("ada@example.com");
  });

  it("refuses another application's audience, another issuer, an expired token and a foreign signature", async () => {
    expect(await verifyAccessJwt(await sign({ email: "a@x" }, { aud: "other-app" }), TEAM, AUD, keys)).toBeNull();
    expect(await verifyAccessJwt(await sign({ email: "a@x" }, { iss: "https://evil.cloudflareaccess.com" }), TEAM, AUD, keys)).toBeNull();
    expect(await verifyAccessJwt(await sign({ email: "a@x" }, { exp: "-1m" }), TEAM, AUD, keys)).toBeNull();
    expect(await verifyAccessJwt(await sign({ email: "a@x" }, { key: otherKey }), TEAM, AUD, keys)).toBeNull();
    expect(await verifyAccessJwt("not.a.jwt", TEAM, AUD, keys)).toBeNull();
  });

  it("falls back to the subject for service tokens without an email", async () => {
    expect(await verifyAccessJwt(await sign({ sub: "service-token-123" }), TEAM, AUD, keys)).toBe("service-token-123");
  });
});
