# Node 24 is the active LTS line (Node 20 reached end of life in April 2026).
FROM node:24-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles when no prebuilt binary matches
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js DATA_DIR=/var/lib/helpdesk
# a small young generation: V8's default lets an idle worker keep tens of MB of nursery it no longer uses
ENV NODE_OPTIONS=--max-semi-space-size=2
# the write paths (reports, outbox) exist owned by the unprivileged user, so a fresh named volume mounted
# there is writable by it; nothing under /app is
RUN mkdir -p /var/lib/helpdesk/reports /var/lib/helpdesk/outbox && chown -R node:node /var/lib/helpdesk
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
USER node
VOLUME ["/var/lib/helpdesk"]
CMD ["node", "dist/src/api/server.js"]
