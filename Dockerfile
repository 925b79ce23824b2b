# The fastdata image: the compiled package, its production dependencies, and this
# project's stream modules (streams/) and schemas (schemas/). `docker compose` builds it
# for the worker and server services; on its own:
#
#   docker build -t fastdata .
#   docker run --rm -e FASTDATA_LOG__KIND=kafka -e FASTDATA_LOG__BROKERS=host:9092 \
#     -e FASTDATA_REGISTRY__URL=http://host:8081/apis/ccompat/v7 fastdata run

# --- build: compile src/ to dist/ ----------------------------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the package's own "prepare" (npm run build) would run here, before
# the sources are copied; the build runs explicitly below instead.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY web ./web
COPY scripts/build-web.ts ./scripts/build-web.ts
RUN npm run build

# --- runtime: production dependencies only -----------------------------------------
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# tsx (loads the .ts stream modules) is a production dependency, so it is installed here.
# --ignore-scripts: "prepare" would try to build with TypeScript, a dev dependency.
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY streams ./streams
COPY schemas ./schemas
COPY dashboards ./dashboards
# With log.kind kafka and a registry.url nothing is written under dataDir, but the
# embedded log (log.kind embedded) would need it writable by the node user.
RUN mkdir -p /app/.fastdata && chown node:node /app/.fastdata
USER node
ENTRYPOINT ["node", "bin/fastdata.js"]
CMD ["run"]
