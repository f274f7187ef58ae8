# The Management App: one image, four services (`docker run <image> <service>`).
# Build:  docker build -t <region>-docker.pkg.dev/<project>/platform/management-app:<tag> .
# npm workspaces keep the dependency sets apart: the image installs the `apps` workspace alone,
# so the Pulumi SDKs (infra/), the policy pack and the dev tools never enter it.
# test/apps/image.test.ts runs this file's install command and entrypoint, outside Docker.
FROM node:24-bookworm-slim AS build
WORKDIR /app
# Every workspace's package.json: npm ci checks the whole lockfile against all of them.
COPY package.json package-lock.json ./
COPY apps/package.json ./apps/
COPY infra/package.json ./infra/
COPY policies/package.json ./policies/
# The apps' dependencies and the root's build tools (typescript, @types/*).
RUN npm ci --workspace apps --include-workspace-root --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY apps ./apps
COPY scripts/build-console.ts ./scripts/build-console.ts
RUN npm run build

FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY apps/package.json ./apps/
COPY infra/package.json ./infra/
COPY policies/package.json ./policies/
# What the services load, nothing else. A package npm could not hoist lands in
# apps/node_modules: it is copied next to the compiled apps/ so that Node still finds it.
RUN npm ci --omit=dev --workspace apps --no-audit --no-fund && mkdir -p apps/node_modules

FROM gcr.io/distroless/nodejs24-debian12:nonroot
WORKDIR /app
ENV NODE_ENV=production
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=deps /app/apps/node_modules ./dist/apps/node_modules
COPY --from=build /app/package.json ./package.json
COPY scripts/gke-exec-credential.mjs ./scripts/gke-exec-credential.mjs
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["/nodejs/bin/node", "dist/apps/run-service.js"]
