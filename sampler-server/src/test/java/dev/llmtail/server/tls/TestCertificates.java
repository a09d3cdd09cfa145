package dev.llmtail.server.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates for TLS tests, generated per test (no private key is checked in): a CA, and leaf
 * certificates it signs, written as PEM files (keys as unencrypted PKCS#8, as the Collector's docs
 * show them).
 */
public final class TestCertificates {

  private static final AtomicLong SERIAL = new AtomicLong(System.nanoTime());
  private static final AtomicLong WRITES = new AtomicLong();

  private final Path dir;
  private final KeyPair caKeys;
  private final X509Certificate ca;

  /** A leaf certificate and key written to {@code certFile} and {@code keyFile}. */
  public record Leaf(Path certFile, Path keyFile, X509Certificate certificate) {
    public String cert() {
      return certFile.toString();
    }

    public String key() {
      return keyFile.toString();
    }
  }

  private TestCertificates(Path dir, String caName) {
    this.dir = dir;
    try {
      this.caKeys = keys();
      X500Name name = new X500Name("CN=" + caName);
      JcaX509v3CertificateBuilder builder = builder(name, name, caKeys);
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      builder.addExtension(
          Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      this.ca = sign(builder, caKeys);
      write(dir.resolve(caName + ".crt"), ca);
    } catch (GeneralSecurityException | IOException | RuntimeException e) {
      throw new IllegalStateException("cannot make a test CA", e);
    }
  }

  /** A new CA named {@code caName}, its certificate in {@code dir/caName.crt}. */
  public static TestCertificates ca(Path dir, String caName) {
    return new TestCertificates(dir, caName);
  }

  /** The CA certificate file. */
  public Path caFile() {
    return dir.resolve(caName() + ".crt");
  }

  private String caName() {
    return ca.getSubjectX500Principal().getName().replaceFirst("^CN=", "");
  }

  /** A server certificate for {@code localhost} and {@code 127.0.0.1}, as {@code name.crt/.key}. */
  public Leaf server(String name) {
    return leaf(name, "localhost", "127.0.0.1");
  }

  /**
   * A certificate for {@code hosts} (DNS names, or IPv4 addresses), as {@code name.crt} and {@code
   * name.key}, replacing files of that name.
   */
  public Leaf leaf(String name, String... hosts) {
    try {
      KeyPair keys = keys();
      JcaX509v3CertificateBuilder builder =
          builder(new X500Name("CN=" + caName()), new X500Name("CN=" + name), keys);
      GeneralName[] names = new GeneralName[hosts.length];
      for (int i = 0; i < hosts.length; i++) {
        names[i] =
            hosts[i].matches("[0-9.]+")
                ? new GeneralName(GeneralName.iPAddress, hosts[i])
                : new GeneralName(GeneralName.dNSName, hosts[i]);
      }
      if (names.length > 0) {
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
      }
      X509Certificate certificate = sign(builder, caKeys);
      Path cert = dir.resolve(name + ".crt");
      Path key = dir.resolve(name + ".key");
      write(cert, certificate);
      writeKey(key, keys);
      // Rotation is noticed by modification time: make each write visibly newer.
      FileTime later = FileTime.from(Instant.now().plusSeconds(2 * WRITES.incrementAndGet()));
      Files.setLastModifiedTime(cert, later);
      Files.setLastModifiedTime(key, later);
      return new Leaf(cert, key, certificate);
    } catch (GeneralSecurityException | IOException | RuntimeException e) {
      throw new IllegalStateException("cannot make a test certificate for " + name, e);
    }
  }

  private JcaX509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys) {
    Instant now = Instant.now();
    return new JcaX509v3CertificateBuilder(
        issuer,
        BigInteger.valueOf(SERIAL.incrementAndGet()),
        Date.from(now.minus(1, ChronoUnit.HOURS)),
        Date.from(now.plus(1, ChronoUnit.DAYS)),
        subject,
        keys.getPublic());
  }

  private static X509Certificate sign(JcaX509v3CertificateBuilder builder, KeyPair issuer)
      throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter()
          .getCertificate(
              builder.build(
                  new JcaContentSignerBuilder("SHA256withECDSA").build(issuer.getPrivate())));
    } catch (org.bouncycastle.operator.OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private static KeyPair keys() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    return generator.generateKeyPair();
  }

  private static void write(Path file, Object pemObject) throws IOException {
    StringWriter text = new StringWriter();
    try (JcaPEMWriter pem = new JcaPEMWriter(text)) {
      pem.writeObject(pemObject);
    }
    Files.writeString(file, text.toString(), StandardCharsets.US_ASCII);
  }

  private static void writeKey(Path file, KeyPair keys) throws IOException {
    write(file, new JcaPKCS8Generator(keys.getPrivate(), null).generate());
  }
}
