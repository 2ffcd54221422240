# syntax=docker/dockerfile:1
# GoShop API image: dependencies and compilation in throw-away stages; the runtime stage
# holds only compiled JavaScript, production node_modules and package.json, and runs as
# the unprivileged `node` user (uid 1000).
#
#   docker build -t goshop-api:latest .
#   docker run --rm -p 8080:8080 -e JWT_SECRET=... -e DATABASE_URL=postgres://... goshop-api:latest

# Pinned base (Node 24, the active LTS, on Debian bookworm, glibc: argon2 ships prebuilt binaries
# for linux x64/arm64 glibc, so no compiler toolchain is needed). CI tests on Node 22 and 24;
# package.json engines still allows Node 20.19+ (end of life; some dependencies declare 22+ and
# npm warns, but it runs). Pin a digest in your registry mirror if you need byte-for-byte
# reproducible builds.
FROM node:24.21.0-bookworm-slim AS base
WORKDIR /app

# All dependencies, for the TypeScript build. Install scripts are disabled for every
# package, then run for argon2 alone: the same policy as package.json "allowScripts"
# ({"argon2": true}), which npm itself does not enforce.
FROM base AS deps
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund \
  && npm rebuild argon2 \
  && node -e "import('argon2').then((a) => a.hash('image-build-check'))"

# Compile TypeScript to dist/ (tsconfig.build.json excludes tests).
FROM deps AS build
COPY . .
RUN npm run build

# Production dependencies only, installed fresh (not pruned in place) so no dev
# package or build cache can leak into the runtime image.
FROM base AS prod-deps
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
  && npm rebuild argon2 \
  && npm cache clean --force

FROM base AS runtime
ENV APP_ENV=production
# The runtime never installs anything: drop the package managers that ship with the base image.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
    /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
    /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-*
# Files stay owned by root: the app user can read but not modify its own code.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
USER node
# 8080: the API; 9464: /metrics for Prometheus (METRICS_PORT), never published to the public
EXPOSE 8080 9464
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/server.js"]
