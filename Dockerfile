# syntax=docker/dockerfile:1
# Build stage: dev dependencies, compile TypeScript to lib/.
FROM node:22-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build

# Production dependencies only, without TypeScript declaration files (nothing reads them at run time).
FROM node:22-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
  && find node_modules -type f \( -name "*.d.ts" -o -name "*.d.mts" -o -name "*.d.cts" -o -name "*.d.ts.map" \) -delete \
  && npm cache clean --force

# Runtime stage: numeric non-root user (Kubernetes' runAsNonRoot can verify it), JSON logs.
FROM node:22-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    NO_SMEE_SETUP=true \
    LOG_FORMAT=json
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/lib ./lib
# The sources lib/*.js.map point at.
COPY --from=build /app/src ./src
COPY package.json app.yml schema.json ./
# 1000 is the node image's `node` user; a number, not a name, so that runAsNonRoot admits the pod.
USER 1000:1000
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# APP_ID, PRIVATE_KEY (or PRIVATE_KEY_PATH) and WEBHOOK_SECRET come from the environment at run time.
# Exec form, node itself as PID 1: SIGTERM reaches the app, which drains its queue and exits (start-runtime.ts).
# lib/server.js checks the environment first (no WEBHOOK_SECRET, a malformed PRIVATE_KEY: exit 1).
CMD ["node", "lib/server.js"]
