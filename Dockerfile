# One image for every role: `dmarc serve` (embedded, the default), `dmarc api`, `dmarc worker`, `dmarc scheduler`
# and the one-shot commands (`dmarc migrate`, `dmarc user ...`). See docs/deployment.md.
#   docker build -t dmarc .
#   docker run -p 8080:8080 -v dmarc-data:/data dmarc            # embedded database in /data
#   docker run ... dmarc worker                                   # any other role: its name as the command

# ---- build: every dependency, TypeScript and the dashboard ----
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# ---- runtime: Node 20, production dependencies and the built files only, not root ----
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DMARC_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/bin ./bin
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/web ./dist/web
COPY --from=build /app/migrations ./migrations
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
# /health answers on PORT in every long-running role (worker and scheduler too, since PORT is set above)
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "bin/dmarc.js"]
CMD ["serve"]
