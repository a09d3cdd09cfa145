package dev.llmtail.server.auth;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;

/**
 * Refuses a gRPC call whose {@code authorization} metadata does not carry the bearer token, with
 * {@code UNAUTHENTICATED}, before its message is read; each refusal is counted.
 */
public final class BearerTokenInterceptor implements ServerInterceptor {

  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final BearerToken token;
  private final String configKey;
  private final Counter refused;

  /**
   * @param configKey the key that holds the token, named in the refusal
   * @param refused counts refused calls
   */
  public BearerTokenInterceptor(BearerToken token, String configKey, Counter refused) {
    this.token = token;
    this.configKey = configKey;
    this.refused = refused;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String authorization = headers.get(AUTHORIZATION);
    if (token.admits(authorization)) {
      return next.startCall(call, headers);
    }
    refused.increment();
    call.close(
        Status.UNAUTHENTICATED.withDescription(BearerToken.refusal(authorization, configKey)),
        new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
