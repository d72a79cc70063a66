# App image for docker-compose.yml. Node 20 on Debian bookworm (glibc 2.36): the
# uWebSockets.js v20.30.0 binaries we pin load there.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY schemas ./schemas
COPY bench ./bench
COPY scripts ./scripts
COPY web ./web
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
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
