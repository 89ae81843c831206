# syntax=docker/dockerfile:1
# ota-fleet as a container image: `docker build -t ota-fleet .`, then
#   docker run --rm ota-fleet run scenarios/quickstart.yaml --metrics-listen 0.0.0.0:9464
#   docker run --rm -p 8080:8080 ota-fleet serve --host 0.0.0.0 --port 8080
# docs/outputs.md ("Container image") explains the stages. The runtime stage needs nothing but what
# test/e2e/production-install.test.ts gives a temp folder: dist/, scenarios/, package*.json and the
# production dependencies.

# ---- build: compile TypeScript and better-sqlite3 (no prebuilt binary is assumed) ----
FROM node:20-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
# every dependency (TypeScript for the build); better-sqlite3 compiles from source here
ENV npm_config_build_from_source=true
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run -s build
# keep only the production dependencies (with the compiled better-sqlite3)
RUN npm prune --omit=dev --no-audit --no-fund

# ---- runtime: production dependencies only, non-root ----
FROM node:20-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /src/package.json /src/package-lock.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY scenarios ./scenarios
RUN chmod +x dist/cli.js \
 && ln -s /app/dist/cli.js /usr/local/bin/ota-fleet \
 && mkdir -p /app/reports /data \
 && chown -R node:node /app/reports /data
# the `node` user (uid 1000) of the official image
USER node
# run reports go to /app/reports (mount a volume); `serve --data /data/ota.db` keeps server state
VOLUME ["/app/reports", "/data"]
# 9464: --metrics-listen; 8080: serve
EXPOSE 9464 8080
ENTRYPOINT ["ota-fleet"]
CMD ["--help"]
