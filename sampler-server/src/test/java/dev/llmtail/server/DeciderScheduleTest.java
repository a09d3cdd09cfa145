package dev.llmtail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The decider threads for real: a backlog brings the helper in within the pass that found it and
 * both decide until none is due, then the helper parks; close stops them. The loop's timing is
 * {@link DecidePassesTest}'s.
 */
class DeciderScheduleTest {

  private static final Duration DEADLINE = Duration.ofSeconds(10);

  private final DeciderSchedule deciders = new DeciderSchedule();
  private final AtomicInteger due = new AtomicInteger();
  private final Map<Thread, AtomicLong> chunksBy = new ConcurrentHashMap<>();
  private final CountDownLatch helperDecided = new CountDownLatch(1);
  private volatile Thread loop;
  private volatile boolean waitForHelper;

  @AfterEach
  void stop() {
    deciders.close(DEADLINE);
  }

  /**
   * Takes up to {@code max} due traces. With {@code waitForHelper}, the loop's thread, once it
   * decided a chunk of a backlog, waits for the helper to decide one: so the backlog is certainly
   * decided by both, and the helper must have been called in while the loop was still in its pass.
   */
  private int decideDue(int max) {
    Thread me = Thread.currentThread();
    boolean isLoop = me.getName().equals("llmtail-decider-1");
    if (!isLoop) {
      helperDecided.countDown();
    } else if (waitForHelper && chunksBy.containsKey(me) && due.get() > 0) {
      awaitHelper(helperDecided);
    }
    int decided = due.getAndUpdate(d -> d - Math.min(max, d));
    chunksBy.computeIfAbsent(me, t -> new AtomicLong()).incrementAndGet();
    if (isLoop) {
      loop = me;
    }
    return Math.min(max, decided);
  }

  private static void awaitHelper(CountDownLatch latch) {
    try {
      latch.await(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private Set<Thread> threads() {
    return chunksBy.keySet();
  }

  private long chunks(Thread t) {
    return chunksBy.get(t).get();
  }

  private Thread helper() {
    return threads().stream().filter(t -> t != loop).findFirst().orElseThrow();
  }

  @Test
  void aBacklogIsDecidedByBothThreadsInOnePassThenTheHelperParks() {
    waitForHelper = true;
    due.set(100_000);
    deciders.start(this::decideDue, () -> {}, Duration.ZERO, 2, Duration.ZERO);

    await().atMost(DEADLINE).until(() -> due.get() == 0);
    assertThat(threads()).hasSize(2);
    Thread helper = helper();
    await().atMost(DEADLINE).until(() -> helper.getState() == Thread.State.WAITING);

    // Idle: the loop still looks every tick, the parked helper decides nothing.
    long helperChunks = chunks(helper);
    long loopChunks = chunks(loop);
    await().atMost(DEADLINE).until(() -> chunks(loop) >= loopChunks + 3);
    assertThat(chunks(helper)).isEqualTo(helperChunks);

    // The next backlog calls it in again.
    due.set(100_000);
    await().atMost(DEADLINE).until(() -> due.get() == 0 && chunks(helper) > helperChunks);
  }

  @Test
  void anIdleLoopNeverWakesTheHelper() {
    deciders.start(this::decideDue, () -> {}, Duration.ZERO, 2, DeciderSchedule.HELPER_AFTER);

    await().atMost(DEADLINE).until(() -> loop != null && chunks(loop) >= 4);

    assertThat(threads()).containsExactly(loop);
  }

  @Test
  void keepsDecidingAfterAPassThrowsAndChecksTheConfigOnTheLoop() {
    AtomicInteger failures = new AtomicInteger();
    Set<String> checkedOn = ConcurrentHashMap.newKeySet();
    due.set(50);
    deciders.start(
        max -> {
          if (failures.getAndIncrement() < 3) {
            throw new IllegalStateException("span log unreadable");
          }
          return decideDue(max);
        },
        () -> {
          checkedOn.add(Thread.currentThread().getName());
          throw new IllegalStateException("config unreadable");
        },
        Duration.ofMillis(30),
        2,
        DeciderSchedule.HELPER_AFTER);

    await().atMost(DEADLINE).until(() -> due.get() == 0 && checkedOn.size() == 1);
    assertThat(checkedOn).containsExactly("llmtail-decider-1");
  }

  @Test
  void closeStopsEveryThreadBetweenChunks() {
    waitForHelper = true;
    due.set(Integer.MAX_VALUE);
    deciders.start(this::decideDue, () -> {}, Duration.ZERO, 2, Duration.ZERO);
    await().atMost(DEADLINE).until(() -> threads().size() == 2);

    deciders.close(DEADLINE);

    assertThat(threads()).noneMatch(Thread::isAlive);
    assertThat(due.get()).isPositive();
  }

  @Test
  void closeWithoutStartReturnsAtOnce() {
    deciders.close(DEADLINE);
  }
}
