import { z } from "zod";

/**
 * The ways to authenticate to a VNC server that Deskfleet speaks, most
 * preferred first: VeNCrypt with a verified certificate (X509*), VeNCrypt
 * over anonymous TLS (TLS*), Apple Remote Desktop (RFB type 30), VNC
 * Authentication, none. Names follow TigerVNC's `SecurityTypes`, so a value
 * from a server's configuration can be pasted as it is.
 */
export const VNC_SECURITY_METHODS = ["X509Plain", "X509Vnc", "X509None", "TLSPlain", "TLSVnc", "TLSNone", "ARD", "VncAuth", "None"] as const;
export type VncSecurityMethod = (typeof VNC_SECURITY_METHODS)[number];

const BY_LOWER = new Map(VNC_SECURITY_METHODS.map((m) => [m.toLowerCase(), m]));

/**
 * A comma-separated list of methods (case-insensitive), in the order to
 * prefer them: `X509Vnc,VncAuth`. Only these are used; an empty list is refused.
 */
export const VncSecurityList = z
  .string()
  .max(200)
  .transform((text, ctx) => {
    const names = text.split(",").map((s) => s.trim()).filter((s) => s !== "");
    const methods: VncSecurityMethod[] = [];
    for (const name of names) {
      const method = BY_LOWER.get(name.toLowerCase());
      if (!method) {
        ctx.addIssue({ code: "custom", message: `unknown VNC security method "${name}"; use any of ${VNC_SECURITY_METHODS.join(", ")}` });
        return z.NEVER;
      }
      if (!methods.includes(method)) methods.push(method);
    }
    if (methods.length === 0) {
      ctx.addIssue({ code: "custom", message: `list at least one VNC security method (${VNC_SECURITY_METHODS.join(", ")})` });
      return z.NEVER;
    }
    return methods;
  });

/** The query parameter of a VNC URL that limits the security methods: `vnc://mac.example.com:5900?security=ARD`. */
export const VNC_SECURITY_PARAM = "security";
