# The rivya-sora2 worker (and CLI/simulator) image. Build: docker build -t rivya-sora2-temporal .
# Pinned to an exact release; bump deliberately (and the digest, if you pin one in your registry).
FROM node:20.18.1-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
RUN npm run build && npm prune --omit=dev

FROM node:20.18.1-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY assets ./assets
USER node
ENTRYPOINT ["node", "dist/src/cli/main.js"]
CMD ["worker"]
