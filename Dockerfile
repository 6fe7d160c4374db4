# screener in a container: built on Debian 12, run on Debian 12 slim with only the runtime
# libraries, as a non-root user, with the data (database, cache, logs, backups) on a volume.
#
#   docker build -t screener .
#   docker run --rm -v screener-data:/var/lib/screener screener scan          # sample market
#   docker compose up -d && docker compose exec -T screener screener scan     # see docker-compose.yml
#
# Production: mount your config dir over /etc/screener (screener.yaml, sectors.csv) and pass
# API keys as environment variables (never baked into the image). docs/operations.md#docker.

FROM debian:12 AS build
WORKDIR /src
COPY scripts/install_deps.sh scripts/install_deps.sh
RUN scripts/install_deps.sh && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DSCREENER_BUILD_TESTS=OFF -DSCREENER_BUILD_BENCH=OFF \
    && cmake --build build --target screener \
    && strip build/screener

FROM debian:12-slim
# Runtime libraries of the binary (libcurl with OpenSSL, yaml-cpp, SQLite, fmt), CA roots for
# HTTPS, and the tools the backup and health scripts call (sqlite3, tar, gzip, coreutils).
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
         libcurl4 libyaml-cpp0.7 libsqlite3-0 libfmt9 ca-certificates sqlite3 \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system screener \
    && useradd --system --gid screener --home-dir /var/lib/screener --shell /usr/sbin/nologin screener \
    && install -d -o screener -g screener -m 0750 /var/lib/screener /var/lib/screener/backups
COPY --from=build /src/build/screener /usr/local/bin/screener
COPY scripts/health_check.sh scripts/backup_data.sh /usr/local/lib/screener/
COPY config/screener.yaml config/sectors.csv /etc/screener/
COPY data/sample/ /usr/local/share/screener/sample/
COPY docs/operations.md /usr/local/share/doc/screener/operations.md
ENV SCREENER_CONFIG=/etc/screener/screener.yaml \
    SCREENER_DATA_DIR=/var/lib/screener \
    SCREENER_SAMPLE_DIR=/usr/local/share/screener/sample \
    SCREENER_DB=/var/lib/screener/screener.db \
    SCREENER_CONFIG_DIR=/etc/screener \
    SCREENER_BACKUP_DIR=/var/lib/screener/backups
USER screener
WORKDIR /var/lib/screener
VOLUME ["/var/lib/screener"]
# Docker counts every non-zero exit as a failed probe: warnings (1) mark the container
# unhealthy too. --no-probe: no vendor calls every few minutes.
HEALTHCHECK --interval=5m --timeout=30s --start-period=1m --retries=3 \
    CMD ["/usr/local/lib/screener/health_check.sh", "--no-probe"]
ENTRYPOINT ["/usr/local/bin/screener"]
CMD ["scan"]
