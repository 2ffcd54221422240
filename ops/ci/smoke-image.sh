#!/usr/bin/env bash
# Runs the built image the way k8s/ does — production mode, non-root, read-only root filesystem
# with a /tmp tmpfs, no capabilities — against the Postgres and Redis in DATABASE_URL / REDIS_URL:
# the init container's migration command, then the server; checks readiness, /metrics on its own
# port only, an admin login (argon2's native binding loads), the image HEALTHCHECK, the read-only
# root, and exit 0 on SIGTERM. Docker in the GitHub workflow, podman in .ci/run (ops/ci/image-check.sh).
#   ops/ci/smoke-image.sh goshop-api:ci
#   CONTAINER_ENGINE=podman ops/ci/smoke-image.sh localhost/goshop-api:imgcheck
set -Eeuo pipefail

IMAGE=${1:?usage: $0 IMAGE}
ENGINE=${CONTAINER_ENGINE:-docker}
NAME=goshop-smoke
PORT=${SMOKE_PORT:-18680}
METRICS_PORT=${SMOKE_METRICS_PORT:-18681}
BASE=http://127.0.0.1:$PORT
: "${DATABASE_URL:?DATABASE_URL must point at a Postgres server}"
: "${REDIS_URL:?REDIS_URL must point at a Redis server}"
APP_ENV=production
JWT_SECRET=$(openssl rand -hex 32)
ADMIN_EMAIL=smoke-admin@example.com
ADMIN_PASSWORD=$(openssl rand -hex 16)
REDIS_KEY_PREFIX=smoke:
export APP_ENV PORT METRICS_PORT JWT_SECRET ADMIN_EMAIL ADMIN_PASSWORD REDIS_KEY_PREFIX

RUN_OPTS=(--network host --read-only --tmpfs /tmp --cap-drop ALL --security-opt no-new-privileges
  -e APP_ENV -e PORT -e METRICS_PORT -e DATABASE_URL -e REDIS_URL -e REDIS_KEY_PREFIX -e JWT_SECRET
  -e ADMIN_EMAIL -e ADMIN_PASSWORD)

cleanup () {
  if "$ENGINE" container inspect "$NAME" >/dev/null 2>&1; then
    "$ENGINE" logs "$NAME" > smoke-container.log 2>&1
    tail -n 50 smoke-container.log
    "$ENGINE" rm -f "$NAME" >/dev/null
  fi
}
trap cleanup EXIT

fail () { echo "smoke: $*" >&2; exit 1; }
code_of () { curl -sS -o /dev/null -w '%{http_code}' "$@"; }

user=$("$ENGINE" image inspect -f '{{.Config.User}}' "$IMAGE")
[[ "$user" == node || "$user" == 1000 ]] || fail "image runs as '${user:-root}', expected node (1000)"
healthcheck=$("$ENGINE" image inspect -f '{{.Config.Healthcheck}}' "$IMAGE")
[[ -n $healthcheck && $healthcheck != '<nil>' ]] || fail "image has no HEALTHCHECK"

echo "== migrations (as the k8s init container runs them)"
"$ENGINE" run --rm "${RUN_OPTS[@]}" "$IMAGE" node dist/scripts/migrate.js
"$ENGINE" run --rm "${RUN_OPTS[@]}" "$IMAGE" node dist/scripts/migrate.js   # idempotent

echo "== server"
"$ENGINE" run -d --name "$NAME" "${RUN_OPTS[@]}" "$IMAGE" >/dev/null
for _ in $(seq 1 90); do
  if curl -fsS "$BASE/health/ready" >/dev/null 2>&1; then break; fi
  sleep 1
done
curl -fsS "$BASE/health/ready"; echo
curl -fsS "$BASE/health/live"; echo
[[ $(code_of "$BASE/metrics") == 404 ]] || fail "/metrics answers on the API port in production"
# Read whole, then searched: with pipefail, grep -q closing the pipe at its first match fails curl (23) on a long scrape.
metrics=$(curl -fsS "http://127.0.0.1:$METRICS_PORT/metrics") || fail "the metrics port does not answer"
grep -q '^process_cpu_user_seconds_total' <<<"$metrics" || fail "the metrics port lacks process metrics"

echo "== admin login (bootstrap admin, argon2 verify)"
status=$(code_of -X POST "$BASE/login" -H 'content-type: application/json' \
  -d "{\"email\":\"$ADMIN_EMAIL\",\"password\":\"$ADMIN_PASSWORD\"}")
[[ "$status" == 200 ]] || fail "POST /login answered $status"

echo "== read-only root filesystem"
if out=$("$ENGINE" exec "$NAME" touch /app/x 2>&1); then fail "root filesystem is writable"; fi
[[ $out == *'Read-only file system'* ]] || fail "root filesystem is writable: $out"

echo "== HEALTHCHECK"
if [[ $ENGINE == podman ]]; then
  # No systemd here to schedule podman's healthchecks: run the image's check once by hand.
  podman healthcheck run "$NAME" || fail "HEALTHCHECK failed"
else
  health=starting
  for _ in $(seq 1 45); do
    health=$(docker inspect -f '{{.State.Health.Status}}' "$NAME")
    [[ "$health" == healthy ]] && break
    sleep 2
  done
  [[ "$health" == healthy ]] || fail "container health is '$health'"
fi

echo "== SIGTERM: graceful exit"
"$ENGINE" stop -t 30 "$NAME" >/dev/null
code=$("$ENGINE" inspect -f '{{.State.ExitCode}}' "$NAME")
[[ "$code" == 0 ]] || fail "exit code $code after SIGTERM"
echo "smoke: ok"
