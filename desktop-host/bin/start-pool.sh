#!/bin/sh
# Starts `deskfleet-host pool` in the foreground: the entrypoint of a desktop
# container (docs/desktop-container.md), and the same on any Linux machine.
# Secrets come as files (Docker and Kubernetes secrets), never as flags that ps shows.
set -eu

if [ -z "${DESKFLEET_API_TOKEN:-}" ] && [ -z "${DESKFLEET_API_TOKEN_FILE:-}" ] && [ -r /run/secrets/deskfleet_api_token ]; then
  export DESKFLEET_API_TOKEN_FILE=/run/secrets/deskfleet_api_token
fi
if [ -z "${ANTHROPIC_API_KEY:-}" ] && [ -r /run/secrets/anthropic_api_key ]; then
  ANTHROPIC_API_KEY=$(cat /run/secrets/anthropic_api_key)
  export ANTHROPIC_API_KEY
fi

# exec: the pool gets the container's SIGTERM itself and stops its desktops cleanly.
exec "${DESKFLEET_HOST_BIN:-deskfleet-host}" pool "$@"
