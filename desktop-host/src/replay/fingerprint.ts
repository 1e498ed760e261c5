// The fingerprints live in the RFB package: DesktopDO records a person's takeover with them too.
export * from "@deskfleet/rfb/image/fingerprint";
