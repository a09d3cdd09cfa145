package dev.llmtail.server.tls;

import io.grpc.netty.GrpcSslContexts;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;

/**
 * The TLS side of one listener: its certificate and, for mTLS, the CAs its clients' certificates
 * must chain to, as Netty {@link SslContext}s for an HTTP pipeline or a gRPC server.
 *
 * <p>Design. The certificate and key live in grpc-java's {@link AdvancedTlsX509KeyManager} (and the
 * client CAs in its {@link AdvancedTlsX509TrustManager}), which the SslContext asks on every
 * handshake, so replacing their contents changes what the next handshake uses without a restart.
 * With a {@code reload_interval}, one daemon thread per listener compares the files' modification
 * times that often and, when one changed, reads and checks them again; a half-written or mismatched
 * pair is logged and skipped, and the previous certificate stays. (grpc's own file watcher would do
 * the re-reading too, but it stretches any interval under a minute to a minute and installs a key
 * without checking that it belongs to the certificate.) TLS runs on BoringSSL where it loads, else
 * on the JDK's provider ({@link TlsProvider}); both ask the same key manager on every handshake.
 */
public final class ServerTls implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(ServerTls.class.getName());

  private final ServerTlsConfig config;
  private final String listener;
  private final AdvancedTlsX509KeyManager keys = new AdvancedTlsX509KeyManager();
  private final @Nullable AdvancedTlsX509TrustManager clients; // null without client_ca_file
  private final @Nullable ScheduledExecutorService reloader; // null without reload_interval

  /** Modification times of the files last loaded; only the reloader thread reads or writes it. */
  private List<Long> loaded;

  private ServerTls(ServerTlsConfig config, String listener) {
    this.config = config;
    this.listener = listener;
    try {
      clients =
          config.clientCaFile().isEmpty()
              ? null
              : AdvancedTlsX509TrustManager.newBuilder()
                  .setVerification(
                      AdvancedTlsX509TrustManager.Verification.CERTIFICATE_ONLY_VERIFICATION)
                  .build();
      loaded = modificationTimes();
      load();
    } catch (GeneralSecurityException | IOException | IllegalArgumentException e) {
      throw new IllegalArgumentException(
          listener + ".tls: cannot load '" + config.certFile() + "': " + e.getMessage(), e);
    }
    long period = config.reloadInterval().toMillis();
    if (period > 0) {
      reloader =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "llmtail-tls-reload-" + listener);
                t.setDaemon(true);
                return t;
              });
      reloader.scheduleWithFixedDelay(this::reloadIfChanged, period, period, TimeUnit.MILLISECONDS);
    } else {
      reloader = null;
    }
  }

  /**
   * The TLS of listener {@code listener} (e.g. {@code receivers.grpc}, named in errors and thread
   * names), loaded from its files; {@code config} must be {@link ServerTlsConfig#enabled()}.
   */
  public static ServerTls load(ServerTlsConfig config, String listener) {
    if (!config.enabled()) {
      throw new IllegalArgumentException(listener + ".tls: no cert_file (plaintext listener)");
    }
    return new ServerTls(config, listener);
  }

  /** Reads and checks the files, then replaces what handshakes use; throws leaving it as it was. */
  private void load() throws GeneralSecurityException, IOException {
    PemFiles.Identity identity =
        PemFiles.identity("cert_file", config.certFile(), "key_file", config.keyFile());
    X509Certificate[] trusted =
        clients == null ? null : PemFiles.certificates("client_ca_file", config.clientCaFile());
    keys.updateIdentityCredentials(identity.chain(), identity.key());
    if (clients != null) {
      clients.updateTrustCredentials(trusted);
    }
  }

  private void reloadIfChanged() {
    try {
      List<Long> now = modificationTimes();
      if (now.equals(loaded)) {
        return;
      }
      load();
      loaded = now;
      LOG.log(
          System.Logger.Level.INFO,
          "{0}.tls: loaded the new certificate from {1}",
          listener,
          config.certFile());
    } catch (GeneralSecurityException | IOException | RuntimeException e) {
      // Often a rotation caught half-way (the certificate written, the key not yet): try again
      // at the next interval, and keep serving the certificate that works.
      LOG.log(
          System.Logger.Level.WARNING,
          "{0}.tls: keeping the previous certificate, the files do not load: {1}",
          listener,
          e.getMessage());
    }
  }

  private List<Long> modificationTimes() throws IOException {
    List<Long> times = new ArrayList<>();
    for (String file : List.of(config.certFile(), config.keyFile(), config.clientCaFile())) {
      times.add(file.isEmpty() ? 0L : Files.getLastModifiedTime(Path.of(file)).toMillis());
    }
    return times;
  }

  /** For an HTTP/1.1 pipeline ({@code SslContext.newHandler} first in each channel). */
  public SslContext forHttp() {
    try {
      return builder().build();
    } catch (SSLException e) {
      throw new IllegalStateException(listener + ".tls: cannot set up TLS: " + e, e);
    }
  }

  /** For a gRPC server: HTTP/2 by ALPN, with grpc-java's cipher choice. */
  public SslContext forGrpc() {
    try {
      return GrpcSslContexts.configure(builder(), TlsProvider.get()).build();
    } catch (SSLException e) {
      throw new IllegalStateException(listener + ".tls: cannot set up TLS: " + e, e);
    }
  }

  private SslContextBuilder builder() {
    SslContextBuilder builder =
        SslContextBuilder.forServer(keys)
            .sslProvider(TlsProvider.get())
            .protocols(config.protocols());
    if (clients != null) {
      builder.trustManager(clients).clientAuth(ClientAuth.REQUIRE);
    }
    return builder;
  }

  /** Stops re-reading the files. */
  @Override
  public void close() {
    if (reloader != null) {
      reloader.shutdownNow();
    }
  }
}
