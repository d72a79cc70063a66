# App image for docker-compose.yml. Node 22 (maintained LTS) on Debian bookworm. The
# uWebSockets.js build we pin has no binary for Node 22, so the image runs the ws +
# node:http transport (docs/transports.md: same protocol, lower edge throughput). For
# the native, benchmarked edge: docker build --build-arg NODE_IMAGE=node:20-bookworm-slim.
ARG NODE_IMAGE=node:22-bookworm-slim
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# better-sqlite3 (import-sqlite) is built from source by the postinstall script
# (scripts/build-native-sqlite.js): it needs python3, make and g++ in the build stage.
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY scripts/build-native-sqlite.js ./scripts/
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY schemas ./schemas
COPY bench ./bench
COPY scripts ./scripts
COPY web ./web
RUN npm run build && npm prune --omit=dev

FROM ${NODE_IMAGE}
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY sql ./sql
COPY scripts ./scripts
USER node
EXPOSE 8765
# V8 flags as in package.json "start" (docs/benchmarks.md: edge memory under load).
CMD ["node", "--max-semi-space-size=8", "--heap-growing-percent=100", "dist/src/main.js", "start"]
