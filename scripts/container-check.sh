#!/usr/bin/env bash
# Builds the real apps/http-server/Dockerfile with buildah (no Docker engine needed), runs the
# image, and checks from outside that:
#   - /healthz answers,
#   - a chat answers through the built-in simulator (first-run mode: no provider key),
#   - /metrics refuses an ordinary key (admin only; the wildcard bind with keys serves any Host),
#   - the server runs as a non-root user.
# Usage: scripts/container-check.sh            (as root the first time: installs buildah, makes the base)
# Env:   EXAI_IMAGE (default localhost/exai-http-check), EXAI_CHECK_PORT (default random)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOOLS="$ROOT/../shared/tools/container"
IMAGE=${EXAI_IMAGE:-localhost/exai-http-check}
PORT=${EXAI_CHECK_PORT:-$((20000 + RANDOM % 20000))}
KEY="sk-container-check-$RANDOM$RANDOM"
B="buildah --storage-driver vfs"
say() { printf 'container-check: %s\n' "$*" >&2; }
fail() { say "FAIL: $*"; exit 1; }

if ! command -v buildah >/dev/null 2>&1; then
  say "installing buildah with apt-get"
  if ! { apt-get install -y -qq buildah >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get install -y -qq buildah >/dev/null; }; }; then
    fail "buildah is missing and apt-get could not install it (run as root, or install buildah)"
  fi
fi

if ! $B inspect --type image docker.io/library/node:24-slim >/dev/null 2>&1; then
  if [[ ! -x "$TOOLS/make-node-base.sh" ]]; then
    fail "no node:24-slim image and no $TOOLS/make-node-base.sh to make one (expected at ../shared/tools/container/ beside the repository)"
  fi
  say "making the node:24-slim stand-in"
  "$TOOLS/make-node-base.sh" 24 >&2
fi
[[ -x "$TOOLS/run-image.sh" ]] || fail "missing $TOOLS/run-image.sh (expected at ../shared/tools/container/ beside the repository)"

# The vfs driver copies whole layers: cached layers of earlier builds add up to tens of GB. Keep
# the cache while the disk has room; below 20 GB free, drop leftover containers and untagged images.
storage=/var/lib/containers
[[ -d $storage ]] || storage=/
free_kb=$(df --output=avail -k "$storage" | tail -1 | tr -d ' ')
if (( free_kb < 20 * 1024 * 1024 )); then
  say "less than 20 GB free: pruning buildah's leftover containers and untagged images"
  $B rm --all >/dev/null 2>&1 || true
  $B rmi --prune >/dev/null 2>&1 || true
fi

say "building $IMAGE from apps/http-server/Dockerfile"
$B bud --pull=never --layers --force-rm --format docker --isolation chroot --network host -q -t "$IMAGE" -f "$ROOT/apps/http-server/Dockerfile" "$ROOT" >&2

user=$($B inspect --type image --format '{{.OCIv1.Config.User}}' "$IMAGE")
[[ -n "$user" && "$user" != root && "$user" != 0 && "$user" != 0:* ]] || fail "the image's USER is '${user:-unset}', expected a non-root user"
uid=$("$TOOLS/run-image.sh" "$IMAGE" -- node -e 'process.stdout.write(String(process.getuid()))')
[[ "$uid" =~ ^[0-9]+$ && "$uid" != 0 ]] || fail "the container runs as uid '$uid', expected non-root"
say "runs as user '$user' (uid $uid)"

log=$(mktemp)
setsid "$TOOLS/run-image.sh" "$IMAGE" -e "PORT=$PORT" -e "EXAI_API_KEYS=$KEY" -e EXAI_LOG_LEVEL=warn >"$log" 2>&1 &
pid=$!
cleanup() {
  kill -TERM -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -f "$log"
  # Working containers left by the runs above hold a full copy of the image each (vfs).
  $B rm --all >/dev/null 2>&1 || true
}
trap cleanup EXIT

for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; fail "the container exited before /healthz answered"; }
  sleep 0.5
done
health=$(curl -fsS "http://127.0.0.1:$PORT/healthz") || { cat "$log" >&2; fail "/healthz did not answer within 60 s"; }
[[ "$health" == *'"ok"'* ]] || fail "/healthz answered '$health'"
say "/healthz: $health"

code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/v1/models")
[[ "$code" == 401 ]] || fail "/v1/models without a key answered $code, expected 401"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/metrics" -H "authorization: Bearer $KEY")
[[ "$code" == 403 ]] || fail "/metrics with an ordinary key answered $code, expected 403 (admin keys only)"

answer=$(curl -fsS "http://127.0.0.1:$PORT/v1/chat/completions" -H "authorization: Bearer $KEY" -H 'content-type: application/json' \
  -d '{"model":"glm","messages":[{"role":"user","content":"ping from the container check"}]}') || { cat "$log" >&2; fail "the chat request failed"; }
[[ "$answer" == *'ping from the container check'* && "$answer" == *'"simulated":true'* ]] || fail "unexpected chat answer: $answer"
say "chat through the simulator: ok"
ready=$(curl -fsS "http://127.0.0.1:$PORT/readyz") || fail "/readyz is not ready"
[[ "$ready" == *'"simulated":true'* ]] || fail "/readyz does not say simulated: $ready"
say "PASS"
