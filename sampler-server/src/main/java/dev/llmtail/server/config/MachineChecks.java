package dev.llmtail.server.config;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * What {@code run} needs from this machine before it opens anything, checked when the config is
 * loaded so that {@code validate} finds it too: listen addresses that are addresses of this
 * machine, and exporter files and directories that can be created. Whether a port is free is not
 * checked: that changes from moment to moment, and {@code run} names every busy port at once.
 */
final class MachineChecks {

  private MachineChecks() {}

  static void check(LlmtailConfig config, Problems problems) {
    if (config.receivers().grpc().enabled()) {
      listen("/receivers/grpc/endpoint", config.receivers().grpc().endpoint(), problems);
    }
    if (config.receivers().http().enabled()) {
      listen("/receivers/http/endpoint", config.receivers().http().endpoint(), problems);
    }
    listen("/admin/endpoint", config.admin().endpoint(), problems);
    ExporterConfig exporter = config.exporter();
    if (!exporter.otlp().enabled()) {
      creatable("/exporter/file/path", exporter.file().path(), false, problems);
    }
    if (exporter.otlp().spill().enabled()) {
      creatable(
          "/exporter/otlp/spill/directory", exporter.otlp().spill().directory(), true, problems);
    }
  }

  private static void listen(String pointer, String endpoint, Problems problems) {
    String host = HostPort.parse("endpoint", endpoint).host();
    InetAddress address;
    try {
      address = InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      problems.add(
          pointer,
          "'"
              + endpoint
              + "': the host "
              + host
              + " is not known (expected: an address of this machine, e.g. 0.0.0.0 for all or"
              + " 127.0.0.1)");
      return;
    }
    try {
      if (!address.isAnyLocalAddress()
          && !address.isLoopbackAddress()
          && NetworkInterface.getByInetAddress(address) == null) {
        problems.add(
            pointer,
            "'"
                + endpoint
                + "': "
                + address.getHostAddress()
                + " is not an address of this machine, so nothing can listen on it (expected: 0.0.0.0"
                + " for all addresses, 127.0.0.1, or one of this machine's addresses)");
      }
    } catch (SocketException e) {
      // The interfaces cannot be listed here: leave the check to the bind at start.
    }
  }

  /** The file or directory at {@code text} exists as that, or can be created. */
  private static void creatable(String pointer, String text, boolean directory, Problems problems) {
    Path path;
    try {
      path = Path.of(text).toAbsolutePath();
    } catch (InvalidPathException e) {
      problems.add(pointer, "'" + text + "' is not a path: " + e.getReason());
      return;
    }
    if (Files.exists(path)) {
      if (directory != Files.isDirectory(path) || !Files.isWritable(path)) {
        problems.add(
            pointer,
            "'" + text + "' exists but is not a writable " + (directory ? "directory" : "file"));
      }
      return;
    }
    Path ancestor = path.getParent();
    while (ancestor != null && !Files.exists(ancestor)) {
      ancestor = ancestor.getParent();
    }
    if (ancestor == null || !Files.isDirectory(ancestor) || !Files.isWritable(ancestor)) {
      problems.add(
          pointer,
          "'"
              + text
              + "' cannot be created: "
              + (ancestor == null
                  ? "no part of the path exists"
                  : ancestor + " is not a writable directory"));
    }
  }
}
