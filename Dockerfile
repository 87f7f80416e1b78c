# syntax=docker/dockerfile:1
# One image for every process (ingress, worker, genesys-sim); the compose `command` picks which.
# The image runs what `pnpm build` emits (esbuild, src/*.ts → dist/*.js) on plain node with the "fallback-dist"
# export condition: no tsx loader thread (~50 MB of RSS per process) and no transpiling at start-up.

# 1. Production dependencies only. Just the manifests first, so a source change does not reinstall.
#    Every workspace package's package.json must be listed (pnpm refuses a lockfile that does not match the
#    workspace); packages/observability/src/deploy.test.ts fails when one is missing.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
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
COPY packages/observability/package.json packages/observability/
COPY packages/testing/package.json packages/testing/
COPY bench/package.json bench/
COPY tests/package.json tests/
COPY integrations/cognigy-extension/package.json integrations/cognigy-extension/
RUN pnpm install --frozen-lockfile --prod

# 2. Build: all dependencies (esbuild is a dev dependency), the sources, `pnpm build`; keep only the dist folders.
FROM deps AS build
RUN pnpm install --frozen-lockfile
COPY scripts scripts
COPY apps apps
COPY packages packages
RUN pnpm build \
 && mkdir -p /out \
 && for d in apps/* packages/*; do if [ -d "$d/dist" ]; then mkdir -p "/out/$d" && cp -r "$d/dist" "/out/$d/"; fi; done

# 3. Runtime: production dependencies + the built code, owned by root and read-only to the app, which runs as
#    `node` (uid 1000). Sources stay out of the image.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app /app
COPY --from=build /out/ /app/
USER node
# ingress, simulator, worker ops (/healthz, /readyz, /metrics)
EXPOSE 8080 8090 9091
CMD ["node", "--conditions=fallback-dist", "apps/ingress/dist/main.js"]
