# The rivya-sora2 worker (and CLI/simulator) image. Build: docker build -t rivya-sora2-temporal .
# Pinned to an exact release of a maintained Node LTS (22; Node 20 has reached its end of life)
# and by digest, as docker-library/repo-info publishes it (repos/node/remote/22.23.3-bookworm-slim.md);
# bump both deliberately.
FROM node:22.23.3-bookworm-slim@sha256:43ac6c60b8f89723f746e8a92ce91abd5017e627ce1ddfe4238355d3a30b772c AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
COPY simulator ./simulator
COPY tools ./tools
COPY assets ./assets
# The image installs the package as any application does: the packed tarball plus the Temporal SDK
# (a peer dependency) and the optional peers the packaged worker and CLI use, at the versions this
# repository tests with (its devDependencies).
COPY deploy/image-app.js ./deploy/image-app.js
RUN npm run build && npm pack --pack-destination /image && node deploy/image-app.js /image

FROM node:22.23.3-bookworm-slim@sha256:43ac6c60b8f89723f746e8a92ce91abd5017e627ce1ddfe4238355d3a30b772c
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /image ./
RUN npm install --omit=dev --no-audit --no-fund && rm -f ./*.tgz
USER node
ENTRYPOINT ["node", "node_modules/rivya-sora2-temporal/dist/tools/cli/main.js"]
CMD ["worker"]
