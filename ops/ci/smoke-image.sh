#!/usr/bin/env bash
# Runs the built image the way k8s/ does — non-root, read-only root filesystem with a /tmp
# tmpfs, no capabilities — against the Postgres and Redis in DATABASE_URL / REDIS_URL:
# the init container's migration command, then the server; checks readiness, an admin
# login (argon2's native binding loads), the image HEALTHCHECK, and exit 0 on SIGTERM.
#   ops/ci/smoke-image.sh goshop-api:ci
set -Eeuo pipefail

IMAGE=${1:?usage: $0 IMAGE}
NAME=goshop-smoke
BASE=http://127.0.0.1:8080
: "${DATABASE_URL:?DATABASE_URL must point at a Postgres server}"
: "${REDIS_URL:?REDIS_URL must point at a Redis server}"
JWT_SECRET=$(openssl rand -hex 32)
ADMIN_EMAIL=smoke-admin@example.com
ADMIN_PASSWORD=$(openssl rand -hex 16)
export JWT_SECRET ADMIN_EMAIL ADMIN_PASSWORD

RUN_OPTS=(--network host --read-only --tmpfs /tmp --cap-drop ALL --security-opt no-new-privileges
  -e DATABASE_URL -e REDIS_URL -e JWT_SECRET -e ADMIN_EMAIL -e ADMIN_PASSWORD)

cleanup () {
  if docker container inspect "$NAME" >/dev/null 2>&1; then
    docker logs "$NAME" > smoke-container.log 2>&1
    tail -n 50 smoke-container.log
    docker rm -f "$NAME" >/dev/null
  fi
}
trap cleanup EXIT

fail () { echo "smoke: $*" >&2; exit 1; }

user=$(docker image inspect -f '{{.Config.User}}' "$IMAGE")
[[ "$user" == node || "$user" == 1000 ]] || fail "image runs as '${user:-root}', expected node (1000)"

echo "== migrations (as the k8s init container runs them)"
docker run --rm "${RUN_OPTS[@]}" "$IMAGE" node dist/scripts/migrate.js
docker run --rm "${RUN_OPTS[@]}" "$IMAGE" node dist/scripts/migrate.js   # idempotent

echo "== server"
docker run -d --name "$NAME" "${RUN_OPTS[@]}" "$IMAGE" >/dev/null
for _ in $(seq 1 60); do
  if curl -fsS "$BASE/health/ready" >/dev/null 2>&1; then break; fi
  sleep 1
done
curl -fsS "$BASE/health/ready"; echo
curl -fsS "$BASE/health/live"; echo
curl -fsS "http://127.0.0.1:9464/metrics" | grep -q '^process_cpu_user_seconds_total' || fail "/metrics on the metrics port lacks process metrics"
status=$(curl -sS -o /dev/null -w '%{http_code}' "$BASE/metrics")
[[ "$status" == 404 ]] || fail "/metrics on the API port answered $status, expected 404"

echo "== admin login (bootstrap admin, argon2 verify)"
status=$(curl -sS -o /dev/null -w '%{http_code}' -X POST "$BASE/login" \
  -H 'content-type: application/json' \
  -d "{\"email\":\"$ADMIN_EMAIL\",\"password\":\"$ADMIN_PASSWORD\"}")
[[ "$status" == 200 ]] || fail "POST /login answered $status"

echo "== Docker HEALTHCHECK"
health=starting
for _ in $(seq 1 45); do
  health=$(docker inspect -f '{{.State.Health.Status}}' "$NAME")
  [[ "$health" == healthy ]] && break
  sleep 2
done
[[ "$health" == healthy ]] || fail "container health is '$health'"

echo "== SIGTERM: graceful exit"
docker stop -t 30 "$NAME" >/dev/null
code=$(docker inspect -f '{{.State.ExitCode}}' "$NAME")
[[ "$code" == 0 ]] || fail "exit code $code after SIGTERM"
echo "smoke: ok"
