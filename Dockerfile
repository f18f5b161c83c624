# Yishi realtime server + built web app. Build: docker build -t yishi .
FROM node:20-bookworm-slim
WORKDIR /app
RUN npm install --global pnpm@12.4.2
COPY . .
RUN pnpm install --frozen-lockfile && pnpm build
ENV HOST=0.0.0.0 PORT=3000 DATA_DIR=/data
EXPOSE 3000
CMD ["node", "--import", "tsx", "realtime-server/src/main.ts"]
