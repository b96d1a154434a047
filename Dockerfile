# Build: docker build -t tenantatlas .
# Run:   docker run --rm -e DATABASE_URL=... -p 8080:8080 tenantatlas serve

FROM golang:1.26 AS build
WORKDIR /src
# Dependencies first, for layer caching.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/tenantatlas ./cmd/tenantatlas

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin tenantatlas
WORKDIR /app
COPY --from=build /out/tenantatlas /usr/local/bin/tenantatlas
# Migrations on disk too, in case the binary reads them from ./db/migrations.
COPY --from=build /src/db/migrations /app/db/migrations
USER tenantatlas
ENV TENANTATLAS_LISTEN=:8080
EXPOSE 8080
ENTRYPOINT ["tenantatlas"]
CMD ["serve"]
