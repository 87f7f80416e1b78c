# syntax=docker/dockerfile:1
# One image for every process (ingress, worker, genesys-sim); the compose `command` picks which.
# Node 22 LTS in the image; the code and its tests also run on Node 20 (the CI machine). Base images are pinned to
# an exact release: a rebuild does not silently move to another Node.
#
# tests/src/image.int.test.ts replays the build stage below without Docker (its COPY and RUN lines, in a temp
# dir) and checks what the runtime stage gets: only each app's production dependencies, and the apps start from
# it on plain node. packages/observability/src/deploy.test.ts checks the shape of this file.

# 1. Build: every dependency (esbuild and the type-free transpile need the dev ones), the sources, `pnpm build`
#    (src/*.ts → dist/*.js with source maps), then one production-only tree per app (deploy/image/deploy-apps.mjs:
#    `pnpm deploy --prod`, sources and tests pruned). Manifests first, so a source change does not reinstall.
#    Every workspace package's package.json must be listed (pnpm refuses a lockfile that does not match the
#    workspace); deploy.test.ts fails when one is missing.
FROM node:22.23.3-bookworm-slim AS build
WORKDIR /src
RUN npm install -g pnpm@10.34.9
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
COPY apps/ingress/package.json apps/ingress/
COPY apps/worker/package.json apps/worker/
COPY apps/genesys-sim/package.json apps/genesys-sim/
COPY apps/stack/package.json apps/stack/
COPY apps/ctl/package.json apps/ctl/
COPY packages/core/package.json packages/core/
COPY packages/ingress-core/package.json packages/ingress-core/
COPY packages/config/package.json packages/config/
COPY packages/genesys/package.json packages/genesys/
COPY packages/genesys-sim/package.json packages/genesys-sim/
COPY packages/queue/package.json packages/queue/
COPY packages/processor/package.json packages/processor/
COPY packages/breaker/package.json packages/breaker/
COPY packages/observability/package.json packages/observability/
COPY packages/testing/package.json packages/testing/
COPY bench/package.json bench/
COPY tests/package.json tests/
COPY integrations/cognigy-extension/package.json integrations/cognigy-extension/
RUN pnpm install --frozen-lockfile
COPY scripts scripts
COPY deploy/image deploy/image
COPY apps apps
COPY packages packages
RUN pnpm build && node deploy/image/deploy-apps.mjs image-out

# 2. Runtime: per app, its built code and production dependencies, nothing else (no tsx, esbuild, test or bench
#    packages, no sources). Owned by root and read-only to the app, which runs as `node` (uid 1000).
FROM node:22.23.3-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /src/image-out/ /app/
USER node
# ingress, simulator, worker ops (/healthz, /readyz, /metrics)
EXPOSE 8080 8090 9091
# --enable-source-maps: stack traces point at src/*.ts lines; --conditions=fallback-dist: @fallback/* → dist/.
CMD ["node", "--enable-source-maps", "--conditions=fallback-dist", "ingress/dist/main.js"]
