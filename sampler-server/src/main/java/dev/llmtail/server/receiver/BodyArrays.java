package dev.llmtail.server.receiver;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Arrays a receiver (gRPC or OTLP/HTTP, one each) reads request bodies into, handed back once a
 * request's spans are copied into their fragments and reused by later requests.
 *
 * <p>Design. A body is read from gRPC's buffers into an array, walked, and copied out trace by
 * trace ({@code SlicedRequest#group}); nothing keeps the array after the call. Allocating it for
 * every request cost a request's size of allocation per request (267 KB on the bench's mix, 846 KB
 * on its llm input, where an array over half a G1 region is a humongous allocation). At most {@link
 * #KEPT} arrays of at most {@link #MAX_KEPT_BYTES} each are kept, so a receiver holds at most 16
 * MiB however many requests run at once; a larger body, or one arriving while every kept array is
 * out, gets a new array. An array not given back (a call cancelled between reading and handling its
 * body) is only garbage. Thread-safe: the bodies of one call are read and handled on any of the
 * receiver's threads.
 */
final class BodyArrays {

  /** How many arrays are kept for reuse. */
  static final int KEPT = 4;

  /** The largest array kept for reuse; larger bodies get an array of their own. */
  static final int MAX_KEPT_BYTES = 4 << 20;

  private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(KEPT);

  /** An array of at least {@code length} bytes, kept or new. */
  byte[] take(int length) {
    byte[] kept = free.poll();
    if (kept != null && kept.length >= length) {
      return kept;
    }
    // Rounded up to a power of two, so that bodies of a similar size soon all fit the kept arrays.
    int rounded = length <= 1024 ? 1024 : Integer.highestOneBit(length - 1) << 1;
    return new byte[rounded > 0 && rounded <= MAX_KEPT_BYTES ? rounded : length];
  }

  /** Gives back an array from {@link #take}, none of whose bytes are read again by the caller. */
  void give(byte[] array) {
    if (array.length <= MAX_KEPT_BYTES) {
      free.offer(array); // false, and the array dropped, when KEPT arrays are kept already
    }
  }
}
