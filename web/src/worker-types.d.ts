// The typed API client imports the Worker's route types, so this program also
// reads Worker source. Its Workers-runtime globals come from
// worker-configuration.d.ts (see tsconfig); where they clash with the DOM's
// declarations the DOM wins, so the few Workers-only members are restated here.
interface SubtleCrypto {
  timingSafeEqual(a: ArrayBuffer | ArrayBufferView, b: ArrayBuffer | ArrayBufferView): boolean;
}
