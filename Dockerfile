# Rebound worker / API image (see docker-compose.yml). Built from the lock file; compiled to dist/.
FROM node:20.19-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx tsc -p tsconfig.build.json && npx tsc -p console/tsconfig.json && npm prune --omit=dev

FROM node:20.19-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/package.json ./package.json
COPY migrations ./migrations
COPY config ./config
# The operator console's page and style sheet (its modules are in dist/console).
COPY console/static ./console/static
USER node
CMD ["node", "dist/workers/main.js"]
