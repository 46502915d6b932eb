# Multi-stage build: production dependencies installed once (npm ci --omit=dev), the runtime image runs
# as the unprivileged node user. Node 26 is the active LTS line since October 2026 (Node 24 is in maintenance,
# Node 20 reached its end of life in April 2026). The sources run through tsx, a runtime dependency; there is no build step.
FROM node:26-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:26-slim AS runtime
ENV NODE_ENV=production \
    KGW_CONFIG=/etc/kanta-gateway/gateway.yaml
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY domain ./domain
COPY config ./config
COPY certs ./certs
COPY queues ./queues
COPY adapters ./adapters
COPY gateway ./gateway
COPY deploy/healthcheck.ts ./deploy/healthcheck.ts
USER node
# The sample configuration (deploy/init.sh) listens with TLS on 8443; the health check reads the
# configuration in $KGW_CONFIG (with the KGW_* overrides, as serve does) and probes /healthz on that
# port and scheme, so it follows any other listen configuration too.
EXPOSE 8443
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["node", "--import", "tsx", "deploy/healthcheck.ts"]
ENTRYPOINT ["node", "bin/kanta-gateway.js"]
CMD ["serve", "--config", "/etc/kanta-gateway/gateway.yaml"]
