# syntax=docker/dockerfile:1
FROM golang:1.27.3-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Every dependency (FerretDB's SQLite is modernc.org/sqlite) is pure Go: a static binary.
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/zhifa ./cmd/zhifa

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/zhifa /usr/local/bin/zhifa
ENV ZHIFA_ADDR=:8080 ZHIFA_DATA=/data
VOLUME /data
EXPOSE 8080
USER nonroot:nonroot
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 CMD ["/usr/local/bin/zhifa", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/zhifa"]
