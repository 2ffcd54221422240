#!/usr/bin/env bash
# CI's image check (.ci/run, after the tests): builds the Dockerfile unmodified with podman on a
# locally made base image (the shared offline-image tool: this machine reaches no image registry),
# then runs the project's own smoke test of the image (ops/ci/smoke-image.sh, the one the GitHub
# workflow runs with Docker), then cleans up. A broken Dockerfile, a root user, a missing
# HEALTHCHECK, a failing start or a dirty SIGTERM fails it.
# The tool's own run phase is not used: it expects /metrics on the API port, which production
# serves only on METRICS_PORT (SPEC §4).
set -Eeuo pipefail
cd "$(dirname "$0")/../.."
TOOL=${OFFLINE_IMAGE_TOOL:-../shared/tools/offline-image/image-check.sh}
[[ -x $TOOL || -f $TOOL ]] || { echo "image-check: $TOOL not found" >&2; exit 1; }

bash "$TOOL" prereqs base build
export CONTAINERS_CONF=${PODMAN_WORK:-${TMPDIR:-/tmp}/goshop-podman}/containers.conf
DB=goshop_image_smoke
psql -h 127.0.0.1 -U postgres -qX -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
status=0
DATABASE_URL=postgres://postgres@127.0.0.1:5432/$DB REDIS_URL=redis://127.0.0.1:6379 \
  CONTAINER_ENGINE=podman ops/ci/smoke-image.sh localhost/goshop-api:imgcheck || status=1
psql -h 127.0.0.1 -U postgres -qX -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
redis-cli --scan --pattern 'smoke:*' | xargs -r redis-cli del >/dev/null
bash "$TOOL" clean >/dev/null
exit "$status"
