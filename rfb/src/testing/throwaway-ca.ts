import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// A certificate authority made for one test run with openssl, and a server
// certificate it signed for localhost and 127.0.0.1: what a VNC server with
// VeNCrypt X509 needs, and what a client must be told to trust.

export type ThrowawayCa = {
  dir: string;
  /** The CA's certificate (PEM file and text): what --vnc-tls-ca is given. */
  caFile: string;
  caPem: string;
  /** The server's certificate and key (for Xvnc's -X509Cert and -X509Key). */
  certFile: string;
  keyFile: string;
  /** The server certificate's SHA-256 fingerprint, as openssl prints it (AB:CD:…). */
  fingerprint: string;
  remove(): void;
};

export function opensslMissing(): boolean {
  return spawnSync("sh", ["-c", "command -v openssl"]).status !== 0;
}

/** Makes a CA and a server certificate for `names` (DNS names and IP addresses). */
export function makeThrowawayCa(names: readonly string[] = ["localhost", "127.0.0.1"]): ThrowawayCa {
  const dir = mkdtempSync(join(tmpdir(), "deskfleet-ca-"));
  const at = (name: string) => join(dir, name);
  const san = names.map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(",");
  writeFileSync(at("server.ext"), `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n`);
  openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", at("ca.key"), "-out", at("ca.pem"), "-days", "2", "-subj", "/CN=Deskfleet throwaway test CA"]);
  openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", at("server.key"), "-out", at("server.csr"), "-subj", `/CN=${names[0] ?? "localhost"}`]);
  openssl(["x509", "-req", "-in", at("server.csr"), "-CA", at("ca.pem"), "-CAkey", at("ca.key"), "-CAcreateserial", "-out", at("server.pem"), "-days", "2", "-extfile", at("server.ext")]);
  const fingerprint = openssl(["x509", "-noout", "-fingerprint", "-sha256", "-in", at("server.pem")]).trim().replace(/^.*=/, "");
  return {
    dir,
    caFile: at("ca.pem"),
    caPem: readFileSync(at("ca.pem"), "utf8"),
    certFile: at("server.pem"),
    keyFile: at("server.key"),
    fingerprint,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function openssl(args: string[]): string {
  const result = spawnSync("openssl", args, { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr}`);
  return result.stdout;
}
