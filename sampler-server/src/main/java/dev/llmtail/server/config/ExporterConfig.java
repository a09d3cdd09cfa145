package dev.llmtail.server.config;

import dev.llmtail.server.tls.ClientTlsConfig;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code exporter} section: where kept traces go. When {@code otlp.endpoint} is set they go
 * there over OTLP/gRPC; otherwise they are appended as OTLP JSON lines to {@code file.path}.
 */
public record ExporterConfig(OtlpExporterConfig otlp, FileExporterConfig file) {

  @SuppressWarnings("NullAway") // null picks the defaults, as an absent YAML section does
  public ExporterConfig {
    otlp =
        otlp == null
            ? new OtlpExporterConfig(
                null, null, null, null, null, null, null, null, null, null, null, null)
            : otlp;
    file = file == null ? new FileExporterConfig(null, null, null) : file;
    if (!otlp.enabled() && file.path().isBlank()) {
      throw new IllegalArgumentException(
          "no destination for kept traces (expected: exporter.otlp.endpoint, e.g. localhost:4317, or exporter.file.path)");
    }
  }

  /** Where kept traces go, for people: the OTLP endpoint, or the file. */
  public String destination() {
    return otlp.enabled() ? otlp.endpoint() : file.path();
  }

  /**
   * The {@code exporter.otlp} section.
   *
   * @param endpoint {@code host:port} (plaintext), {@code http://host:port} or {@code
   *     https://host:port} (TLS); empty disables OTLP export
   * @param headers sent with every request, e.g. an API key
   * @param compression {@code gzip} (default) or {@code none}
   * @param compressionParams how hard {@code compression} works; see {@link CompressionParams}
   * @param timeout per request; default {@code 10s}
   * @param queueSize most spans waiting in memory to be sent; default {@code 200000}
   * @param queueMaxBytes most span bytes waiting in memory to be sent; default {@code 64MiB}
   * @param maxBatchSpans most spans per request; default {@code 1024}
   * @param batchTimeout how long to wait to fill a batch; default {@code 50ms}
   * @param retry retry with exponential backoff on retryable failures
   * @param spill where batches go when the memory queue is full, the backend is down for longer
   *     than the retry time, or at shutdown; replayed on the next start
   * @param tls TLS to the backend (CA, client certificate for mTLS, server name); see {@link
   *     ClientTlsConfig} for when TLS is on
   */
  public record OtlpExporterConfig(
      String endpoint,
      Map<String, String> headers,
      String compression,
      CompressionParams compressionParams,
      Duration timeout,
      Integer queueSize,
      ByteSize queueMaxBytes,
      Integer maxBatchSpans,
      Duration batchTimeout,
      RetryConfig retry,
      SpillConfig spill,
      ClientTlsConfig tls) {

    @SuppressWarnings("NullAway") // null picks the defaults, as an absent YAML section does
    public OtlpExporterConfig {
      endpoint = endpoint == null ? "" : endpoint.trim();
      headers = headers == null ? Map.of() : Map.copyOf(headers);
      compression = compression == null ? "gzip" : compression.toLowerCase(Locale.ROOT);
      if (!compression.equals("gzip") && !compression.equals("none")) {
        throw new IllegalArgumentException(
            "compression: '" + compression + "' (expected: gzip or none)");
      }
      compressionParams =
          compressionParams == null ? new CompressionParams(null) : compressionParams;
      timeout = timeout == null ? Duration.ofSeconds(10) : timeout;
      queueSize = queueSize == null ? 200_000 : queueSize;
      queueMaxBytes = queueMaxBytes == null ? new ByteSize(64L << 20) : queueMaxBytes;
      spill = spill == null ? new SpillConfig(null, null) : spill;
      if (queueMaxBytes.bytes() < 1) {
        throw new IllegalArgumentException(
            "queue_max_bytes: " + queueMaxBytes + " (expected: >= 1 byte, e.g. 64MiB)");
      }
      maxBatchSpans = maxBatchSpans == null ? 1024 : maxBatchSpans;
      batchTimeout = batchTimeout == null ? Duration.ofMillis(50) : batchTimeout;
      retry = retry == null ? new RetryConfig(null, null, null) : retry;
      if (queueSize < 1) {
        throw new IllegalArgumentException("queue_size: " + queueSize + " (expected: >= 1 span)");
      }
      if (maxBatchSpans < 1) {
        throw new IllegalArgumentException(
            "max_batch_spans: " + maxBatchSpans + " (expected: >= 1)");
      }
      if (!endpoint.isEmpty()) {
        OtlpEndpoint.check(endpoint);
      }
      tls = (tls == null ? ClientTlsConfig.NONE : tls).forEndpoint(endpoint);
    }

    public boolean enabled() {
      return !endpoint.isEmpty();
    }

    /** The endpoint without its scheme, for the gRPC channel. */
    public HostPort target() {
      return HostPort.parse(
          "endpoint", endpoint.replaceFirst("^https?://", "").replaceFirst("/$", ""));
    }
  }

  /**
   * The {@code exporter.otlp.compression_params} section, named and meant as the OpenTelemetry
   * Collector's ({@code configcompression.CompressionParams}).
   *
   * @param level the gzip level: {@code 1} (fastest) to {@code 9} (smallest), or {@code -1}
   *     (default), zlib's default level, which is {@code 6}; the Collector's default too
   */
  public record CompressionParams(Integer level) {

    /** zlib's "default compression", the Collector's default: level 6. */
    public static final int DEFAULT_LEVEL = -1;

    public CompressionParams {
      level = level == null ? DEFAULT_LEVEL : level;
      if (level != DEFAULT_LEVEL && (level < 1 || level > 9)) {
        throw new IllegalArgumentException(
            "level: "
                + level
                + " (expected: 1 (fastest) to 9 (smallest), or -1 for the default, 6; for no"
                + " compression set compression: none)");
      }
    }
  }

  /**
   * The {@code exporter.otlp.retry} section.
   *
   * @param initialInterval wait before the first retry; default {@code 1s}
   * @param maxInterval longest wait between retries; default {@code 30s}
   * @param maxElapsedTime give up on a batch after this long; default {@code 5m}
   */
  public record RetryConfig(
      Duration initialInterval, Duration maxInterval, Duration maxElapsedTime) {
    public RetryConfig {
      initialInterval = initialInterval == null ? Duration.ofSeconds(1) : initialInterval;
      maxInterval = maxInterval == null ? Duration.ofSeconds(30) : maxInterval;
      maxElapsedTime = maxElapsedTime == null ? Duration.ofMinutes(5) : maxElapsedTime;
      if (initialInterval.isNegative() || initialInterval.isZero()) {
        throw new IllegalArgumentException(
            "initial_interval: " + initialInterval + " (expected: > 0)");
      }
      if (maxInterval.compareTo(initialInterval) < 0) {
        throw new IllegalArgumentException(
            "max_interval: "
                + maxInterval
                + " (expected: >= initial_interval "
                + initialInterval
                + ")");
      }
    }
  }

  /**
   * The {@code exporter.otlp.spill} section: a local directory that holds kept batches the backend
   * could not take yet.
   *
   * @param directory where batches are written, one file each; empty (default) disables spilling
   * @param maxSize most bytes the directory may hold; default {@code 1GiB}
   */
  public record SpillConfig(String directory, ByteSize maxSize) {
    public SpillConfig {
      directory = directory == null ? "" : directory.trim();
      maxSize = maxSize == null ? new ByteSize(1L << 30) : maxSize;
      if (maxSize.bytes() < 1024) {
        throw new IllegalArgumentException(
            "max_size: " + maxSize + " (expected: >= 1KiB, e.g. 1GiB)");
      }
    }

    public boolean enabled() {
      return !directory.isEmpty();
    }
  }

  /**
   * The {@code exporter.file} section.
   *
   * @param path file kept traces are appended to, one OTLP JSON {@code TracesData} per line;
   *     created if missing
   * @param maxSize the file is rotated ({@code path.1}, {@code path.2}, …) before it grows beyond
   *     this; default {@code 100MiB}
   * @param maxFiles rotated files kept besides the current one; the oldest is deleted; default
   *     {@code 5}
   */
  public record FileExporterConfig(String path, ByteSize maxSize, Integer maxFiles) {
    public FileExporterConfig {
      path = path == null ? "" : path.trim();
      maxSize = maxSize == null ? new ByteSize(100L << 20) : maxSize;
      maxFiles = maxFiles == null ? 5 : maxFiles;
      if (maxSize.bytes() < 1024) {
        throw new IllegalArgumentException(
            "max_size: " + maxSize + " (expected: >= 1KiB, e.g. 100MiB)");
      }
      if (maxFiles < 1 || maxFiles > 1000) {
        throw new IllegalArgumentException(
            "max_files: " + maxFiles + " (expected: 1 to 1000 rotated files, e.g. 5)");
      }
    }
  }
}
