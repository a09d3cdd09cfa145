package dev.llmtail.server;

import dev.llmtail.server.config.ConfigLoader;
import dev.llmtail.server.config.LlmtailConfig;
import dev.llmtail.testing.TraceBuilder;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * How fast one llmtail takes in the same traces from Kafka (a backlog written as the Collector's
 * {@code kafka} exporter writes it: one message per trace, keyed and partitioned by trace id) and
 * over OTLP/gRPC (one request per trace, from 4 client threads). Both run in this JVM with a KRaft
 * broker; the time is from the first request, or the partitions' assignment, to every span
 * accepted.
 *
 * <p>Arguments: {@code [traces]} (default 20000).
 */
public final class KafkaThroughput {

  private static final int PARTITIONS = 6;
  private static final int SPANS_PER_TRACE = 4;

  private KafkaThroughput() {}

  public static void main(String[] args) throws Exception {
    int traces = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    List<byte[]> keys = new ArrayList<>();
    List<byte[]> payloads = new ArrayList<>();
    for (int i = 0; i < traces; i++) {
      TraceBuilder trace = TraceBuilder.trace().service("chat-api");
      trace.root("POST /chat");
      trace.child("chat gpt-4o").attribute("gen_ai.request.model", "gpt-4o");
      trace.child("execute_tool search");
      trace.child("GET /search");
      keys.add(trace.traceIdHex().getBytes(StandardCharsets.UTF_8));
      payloads.add(trace.request().toByteArray());
    }
    KafkaClusterTestKit cluster =
        new KafkaClusterTestKit.Builder(
                new TestKitNodes.Builder()
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    .build())
            .setConfigProp("offsets.topic.replication.factor", "1")
            .build();
    cluster.format();
    cluster.startup();
    cluster.waitForReadyBrokers();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", cluster.bootstrapServers()))) {
      admin
          .createTopics(
              List.of(
                  new NewTopic("otlp_spans", PARTITIONS, (short) 1),
                  new NewTopic("otlp_logs", PARTITIONS, (short) 1)))
          .all()
          .get(30, TimeUnit.SECONDS);
    }
    Map<String, Object> producerProps = new HashMap<>();
    producerProps.put("bootstrap.servers", cluster.bootstrapServers());
    producerProps.put("linger.ms", 5);
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(producerProps, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int i = 0; i < traces; i++) {
        producer.send(
            new ProducerRecord<>(
                "otlp_spans", partition(keys.get(i)), keys.get(i), payloads.get(i)));
      }
      producer.flush();
    }
    Path work = Files.createTempDirectory("llmtail-kafka-throughput");
    // Warm the JIT on the shared path (grouping, buffer) before either measurement.
    grpc(work, payloads.subList(0, Math.min(traces, 5_000)));
    double grpcSeconds = grpc(work, payloads);
    double kafkaSeconds = kafka(work, cluster.bootstrapServers(), traces);
    System.out.printf(
        "traces %d (%d spans each, %d bytes per message on average), %d partitions%n",
        traces,
        SPANS_PER_TRACE,
        payloads.stream().mapToLong(p -> p.length).sum() / traces,
        PARTITIONS);
    System.out.printf(
        "OTLP/gRPC: %.2f s, %.0f traces/s, %.0f spans/s%n",
        grpcSeconds, traces / grpcSeconds, traces * SPANS_PER_TRACE / grpcSeconds);
    System.out.printf(
        "Kafka:     %.2f s, %.0f traces/s, %.0f spans/s%n",
        kafkaSeconds, traces / kafkaSeconds, traces * SPANS_PER_TRACE / kafkaSeconds);
    cluster.close();
  }

  private static int partition(byte[] key) {
    int hash = 0x811c9dc5;
    for (byte b : key) {
      hash ^= b & 0xff;
      hash *= 0x01000193;
    }
    int p = hash % PARTITIONS;
    return p < 0 ? -p : p;
  }

  private static Sidecar start(Path work, String kafkaSection, SimpleMeterRegistry meters)
      throws Exception {
    String yaml =
        """
        admin:
          endpoint: 127.0.0.1:0
        receivers:
          grpc:
            endpoint: 127.0.0.1:0
          http:
            endpoint: 127.0.0.1:0
        KAFKA
        buffer:
          quiet_period: 1s
          max_trace_wait: 30s
        policies:
          - name: errors
            type: status_code
            status_codes: [ERROR]
        exporter:
          file:
            path: ${env:KEPT}
        """
            .replace("KAFKA", kafkaSection);
    LlmtailConfig config =
        ConfigLoader.withEnvironment(Map.of("KEPT", work.resolve("kept.jsonl").toString()))
            .parse(work.resolve("llmtail.yaml"), yaml);
    return Sidecar.start(config, meters, Duration.ofSeconds(10));
  }

  private static double accepted(SimpleMeterRegistry meters, String transport) {
    return meters
        .find("llmtail.receiver.spans")
        .tag("transport", transport)
        .tag("result", "accepted")
        .counters()
        .stream()
        .mapToDouble(c -> c.count())
        .sum();
  }

  private static double grpc(Path work, List<byte[]> payloads) throws Exception {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (Sidecar llmtail = start(work, "", meters)) {
      ManagedChannel channel =
          NettyChannelBuilder.forAddress("127.0.0.1", llmtail.grpcPort()).usePlaintext().build();
      ExecutorService clients = Executors.newFixedThreadPool(4);
      long start = System.nanoTime();
      for (int t = 0; t < 4; t++) {
        int first = t;
        clients.execute(
            () -> {
              TraceServiceGrpc.TraceServiceBlockingStub stub =
                  TraceServiceGrpc.newBlockingStub(channel);
              for (int i = first; i < payloads.size(); i += 4) {
                try {
                  stub.export(
                      io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest.parseFrom(
                          payloads.get(i)));
                } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                  throw new IllegalStateException(e);
                }
              }
            });
      }
      clients.shutdown();
      clients.awaitTermination(10, TimeUnit.MINUTES);
      waitFor(meters, "grpc", payloads.size());
      double seconds = (System.nanoTime() - start) / 1e9;
      channel.shutdownNow();
      return seconds;
    }
  }

  private static double kafka(Path work, String brokers, int traces) throws Exception {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    String section =
        """
          kafka:
            brokers:
              - %s
            group_id: throughput
            initial_offset: earliest
        """
            .formatted(brokers);
    try (Sidecar llmtail = start(work, section, meters)) {
      // From the assignment on: joining the group is not reading.
      while (llmtail.kafka().ownedPartitions() == 0) {
        Thread.sleep(1);
      }
      long start = System.nanoTime();
      waitFor(meters, "kafka", traces);
      return (System.nanoTime() - start) / 1e9;
    }
  }

  private static void waitFor(SimpleMeterRegistry meters, String transport, int traces)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
    while (accepted(meters, transport) < (double) traces * SPANS_PER_TRACE) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            transport + ": only " + accepted(meters, transport) + " spans accepted in 10 minutes");
      }
      Thread.sleep(5);
    }
  }
}
