/**
 * How deskfleet-host ends, for people and for service managers: systemd's
 * unit keeps `badSettings` and `refused` from restarting (RestartPreventExitStatus),
 * since a restart cannot fix either.
 */
export const ExitCode = {
  ok: 0,
  failed: 1,
  /** Missing or malformed settings: the message says which. */
  badSettings: 2,
  /** The control plane refused the host (token, version, desktop): a person must act. */
  refused: 3,
} as const;
