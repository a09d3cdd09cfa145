package dev.llmtail.server.tls;

import io.grpc.util.CertificateUtils;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;

/**
 * Reads the PEM files a {@code tls} section names (with grpc-java's {@link CertificateUtils}, the
 * same reader that reloads them later) and fails with a message naming the config key, the file and
 * the fix: missing, unreadable, not PEM, a key that is not PKCS#8, a key that does not belong to
 * the certificate.
 */
final class PemFiles {

  private static final String PKCS8_HEADER = "-----BEGIN PRIVATE KEY-----";
  private static final long MAX_BYTES = 1 << 20;

  private PemFiles() {}

  static X509Certificate[] certificates(String key, String file) {
    byte[] pem = read(key, file, "a PEM file of certificates");
    try {
      X509Certificate[] chain = CertificateUtils.getX509Certificates(new ByteArrayInputStream(pem));
      if (chain.length > 0) {
        return chain;
      }
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new IllegalArgumentException(
          key + ": '" + file + "' is not a PEM certificate file (" + e.getMessage() + ")", e);
    }
    throw new IllegalArgumentException(
        key + ": no certificate in '" + file + "' (expected: PEM, -----BEGIN CERTIFICATE-----)");
  }

  static PrivateKey privateKey(String key, String file) {
    byte[] pem = read(key, file, "a PEM private key");
    if (!new String(pem, StandardCharsets.US_ASCII).contains(PKCS8_HEADER)) {
      throw new IllegalArgumentException(
          key
              + ": '"
              + file
              + "' holds no unencrypted PKCS#8 key (expected: "
              + PKCS8_HEADER
              + "; convert with openssl pkcs8 -topk8 -nocrypt -in old.key -out new.key)");
    }
    try {
      return CertificateUtils.getPrivateKey(new ByteArrayInputStream(pem));
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      throw new IllegalArgumentException(
          key + ": '" + file + "' is not an RSA or EC private key (" + e.getMessage() + ")", e);
    }
  }

  /** A certificate chain and the private key of its first certificate. */
  @SuppressWarnings("ArrayRecordComponent") // handed to the key manager, never compared
  record Identity(X509Certificate[] chain, PrivateKey key) {}

  /**
   * Reads {@code certFile} and {@code keyFile}, checking that the key is the one the first
   * certificate was issued for.
   */
  static Identity identity(String certKey, String certFile, String keyKey, String keyFile) {
    X509Certificate[] chain = certificates(certKey, certFile);
    PrivateKey privateKey = privateKey(keyKey, keyFile);
    if (!matches(chain[0].getPublicKey(), privateKey)) {
      throw new IllegalArgumentException(
          keyKey
              + ": '"
              + keyFile
              + "' is not the key of the certificate in "
              + certKey
              + " '"
              + certFile
              + "' (expected: the key the certificate was issued for)");
    }
    return new Identity(chain, privateKey);
  }

  private static boolean matches(PublicKey publicKey, PrivateKey privateKey) {
    if (!publicKey.getAlgorithm().equals(privateKey.getAlgorithm())) {
      return false;
    }
    String algorithm = publicKey.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
    byte[] probe = "llmtail key check".getBytes(StandardCharsets.US_ASCII);
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(privateKey);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(publicKey);
      verifier.update(probe);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static byte[] read(String key, String file, String expected) {
    Path path = Path.of(file);
    try {
      // Not /dev/zero or a pipe: a PEM file is small and regular.
      if (Files.exists(path) && !Files.isRegularFile(path)) {
        throw new IllegalArgumentException(
            key + ": '" + file + "' is not a regular file (expected: " + expected + ")");
      }
      if (Files.exists(path) && Files.size(path) > MAX_BYTES) {
        throw new IllegalArgumentException(
            key
                + ": '"
                + file
                + "' has "
                + Files.size(path)
                + " bytes (expected: "
                + expected
                + " of at most 1 MiB)");
      }
      return Files.readAllBytes(path);
    } catch (IOException e) {
      String why = Files.exists(path) ? "cannot read it: " + e.getMessage() : "no such file";
      throw new IllegalArgumentException(
          key + ": '" + file + "': " + why + " (expected: " + expected + ")", e);
    }
  }
}
