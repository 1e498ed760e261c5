// The price table lives in the protocol package: the supervisor prices its own calls with it too.
export * from "@deskfleet/protocol/pricing";
