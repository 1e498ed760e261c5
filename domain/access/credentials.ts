import { sha256Hex } from "../../db/token-secrets.ts";

// Credential references: what a session, socket or lease remembers about the credential that opened
// it, so revoking or rotating that credential can find and end them. None of them is a secret.

const fingerprints = new Map<string, Promise<string>>();

/**
 * `admin:<fingerprint>` of the admin token in force: 64 bits of a domain-separated SHA-256, enough to
 * tell one generated token from the next, never the token itself.
 */
export function adminCredential(adminToken: string): Promise<string> {
  let fp = fingerprints.get(adminToken);
  if (!fp) {
    fp = sha256Hex(`deskfleet/admin-credential/v1\n${adminToken}`).then((h) => `admin:${h.slice(0, 16)}`);
    fingerprints.clear(); // one admin token per deployment: keep only the current one
    fingerprints.set(adminToken, fp);
  }
  return fp;
}

/** `host:<fingerprint>` of a host token, from the hash stored for it in D1. */
export const hostCredential = (hostTokenHash: string): string => `host:${hostTokenHash.slice(0, 16)}`;

export const apiTokenCredential = (tokenId: string): string => `token:${tokenId}`;

export const accessCredential = (identity: string): string => `access:${identity.toLowerCase()}`;
