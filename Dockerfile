# The application image used by docker-compose.yml (API, worker, migrations).
FROM python:3.11.10-slim-bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-liberation fontconfig libharfbuzz-subset0 \
      libpango-1.0-0 libpangoft2-1.0-0 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY tsos tsos
COPY api api
COPY workflows workflows
COPY activities activities
COPY gateways gateways
COPY domain domain
RUN pip install --no-cache-dir .
USER nobody
