# The Management App: one image, four services (`docker run <image> <service>`).
# Build:  docker build -t <region>-docker.pkg.dev/<project>/platform/management-app:<tag> .
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY apps ./apps
COPY scripts/build-console.ts ./scripts/build-console.ts
RUN npm run build && npm prune --omit=dev

FROM gcr.io/distroless/nodejs24-debian12:nonroot
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/package.json ./package.json
COPY scripts/gke-exec-credential.mjs ./scripts/gke-exec-credential.mjs
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["/nodejs/bin/node", "dist/apps/run-service.js"]
