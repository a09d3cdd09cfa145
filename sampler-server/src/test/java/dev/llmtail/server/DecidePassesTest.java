package dev.llmtail.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmtail.testing.LogCapture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The decide loop's schedule on a fake clock: how many times it decides per tick, when it calls in
 * a helper, and that failures do not stop it. Deciding a trace advances the clock by {@code
 * perTrace}, as the CPU it takes would.
 */
class DecidePassesTest {

  private static final Duration TICK = Duration.ofMillis(25);
  private static final Duration HELPER_AFTER = Duration.ofMillis(2);
  private static final long MS = 1_000_000L;

  private long now = 1_000 * MS;
  private long perTraceNanos = 50_000; // 50 us: a chunk of 16 takes 0.8 ms
  private int due;
  private final List<Integer> chunks = new ArrayList<>();
  private final List<Long> helperCalls = new ArrayList<>();
  private int configChecks;
  private boolean stopping;
  private RuntimeException failNext;
  private RuntimeException failCheck;
  private LogCapture log;

  @BeforeEach
  void capture() {
    log = LogCapture.of(DecidePasses.class);
  }

  @AfterEach
  void release() {
    log.close();
  }

  private int decideDue(int max) {
    if (failNext != null) {
      RuntimeException e = failNext;
      failNext = null;
      throw e;
    }
    int decided = Math.min(max, due);
    due -= decided;
    now += decided * perTraceNanos;
    chunks.add(decided);
    return decided;
  }

  private DecidePasses passes(Duration reloadInterval) {
    return new DecidePasses(
        this::decideDue,
        () -> {
          configChecks++;
          if (failCheck != null) {
            throw failCheck;
          }
        },
        TICK,
        HELPER_AFTER,
        reloadInterval,
        () -> now,
        () -> helperCalls.add(now),
        () -> stopping);
  }

  /** Runs the loop's passes until the clock reaches {@code until}, as the loop's thread does. */
  private int runLoop(DecidePasses passes, long until) {
    int passesRun = 0;
    for (long next = passes.firstTick(); next <= until; passesRun++) {
      now = Math.max(now, next); // parked until the tick
      next = passes.tick();
    }
    return passesRun;
  }

  @Test
  void idleLoopLooksForDueTracesOncePerTickAndCallsNoHelper() {
    DecidePasses passes = passes(Duration.ZERO);
    long start = now;

    int passesRun = runLoop(passes, start + 1_000 * MS);

    assertThat(passesRun).isEqualTo(40);
    assertThat(chunks).hasSize(40).containsOnly(0);
    assertThat(helperCalls).isEmpty();
  }

  @Test
  void eachPassIsDueATickAfterThePreviousStarted() {
    DecidePasses passes = passes(Duration.ZERO);
    long first = passes.firstTick();
    assertThat(first - now).isEqualTo(TICK.toNanos());
    now = first;
    due = 14;

    assertThat(passes.tick()).isEqualTo(first + TICK.toNanos());
    assertThat(due).isZero();
  }

  @Test
  void tracesDueSlowerThanOneThreadDecidesThemNeverCallAHelper() {
    // 570 traces a second, 14 a tick: the llm row at 2 000 spans/s.
    DecidePasses passes = passes(Duration.ZERO);
    long start = now;
    long next = passes.firstTick();
    for (int i = 0; i < 40; i++) {
      now = Math.max(now, next);
      due += 14;
      next = passes.tick();
    }

    assertThat(due).isZero();
    assertThat(chunks).hasSize(40).containsOnly(14);
    assertThat(helperCalls).isEmpty();
    assertThat(now - start).isLessThan(1_100 * MS);
  }

  @Test
  void aBacklogCallsTheHelperWithinThePassThatFoundItAndTheLoopDecidesUntilNoneIsDue() {
    DecidePasses passes = passes(Duration.ZERO);
    now = passes.firstTick();
    long start = now;
    due = 1_000; // 50 ms of deciding for one thread

    long next = passes.tick();
    // A pass decides for a tick at most; the next one is due at once and goes on.
    assertThat(due).isPositive();
    assertThat(next).isLessThanOrEqualTo(now);
    passes.tick();

    // After the third full chunk (2.4 ms > 2 ms), and again after every later one while the helper
    // may have parked: never a tick later.
    assertThat(helperCalls).isNotEmpty();
    assertThat(helperCalls.get(0)).isEqualTo(start + 3 * 16 * perTraceNanos);
    assertThat(helperCalls.get(0) - start).isLessThan(TICK.toNanos());
    assertThat(due).isZero();
    assertThat(chunks.get(chunks.size() - 1)).isLessThan(DecidePasses.CHUNK);
  }

  @Test
  void aShortBacklogIsDecidedAloneWithinTheThreshold() {
    DecidePasses passes = passes(Duration.ZERO);
    now = passes.firstTick();
    due = 2 * DecidePasses.CHUNK + 5; // 1.85 ms

    passes.tick();

    assertThat(due).isZero();
    assertThat(helperCalls).isEmpty();
    assertThat(chunks).containsExactly(16, 16, 5);
  }

  @Test
  void aHelpersDrainDecidesUntilNoneIsDueAndCallsTheNextHelperOnlyPastTheThreshold() {
    DecidePasses passes = passes(Duration.ZERO);
    due = 100;

    passes.drain();

    assertThat(due).isZero();
    assertThat(chunks).containsExactly(16, 16, 16, 16, 16, 16, 4);
    // Past 2 ms after the third chunk: 2.4, 3.2, 4.0 and 4.8 ms.
    assertThat(helperCalls).hasSize(4);
  }

  @Test
  void aFailingPassIsLoggedAndTheNextTickDecidesAgain() {
    DecidePasses passes = passes(Duration.ZERO);
    now = passes.firstTick();
    due = 20;
    failNext = new IllegalStateException("span log unreadable");

    long next = passes.tick();
    assertThat(due).isEqualTo(20);
    now = next;
    passes.tick();

    assertThat(due).isZero();
    assertThat(log.lines(Level.SEVERE)).containsExactly("deciding due traces failed");
  }

  @Test
  void checksTheConfigOnTheLoopEveryIntervalAndGoesOnWhenTheCheckThrows() {
    DecidePasses passes = passes(Duration.ofMillis(100));
    failCheck = new IllegalStateException("unreadable");
    long start = now;

    runLoop(passes, start + 1_000 * MS);

    assertThat(configChecks).isEqualTo(10);
    assertThat(chunks).hasSize(40);
    assertThat(log.lines(Level.SEVERE)).hasSize(10).containsOnly("checking the config file failed");
  }

  @Test
  void aBacklogLongerThanATickStillLetsTheLoopCheckTheConfigEveryInterval() {
    // Traces fall due as fast as one thread decides them, for a whole second.
    long backlogEnds = now + 1_000 * MS;
    DecidePasses passes =
        new DecidePasses(
            max -> {
              if (now < backlogEnds) {
                due += max;
              }
              return decideDue(max);
            },
            () -> configChecks++,
            TICK,
            HELPER_AFTER,
            Duration.ofMillis(100),
            () -> now,
            () -> helperCalls.add(now),
            () -> stopping);

    runLoop(passes, backlogEnds);

    // A pass that decided until the backlog ended would have checked the config once.
    assertThat(configChecks).isBetween(9, 10);
    assertThat(chunks.subList(0, chunks.size() - 1)).containsOnly(DecidePasses.CHUNK);
  }

  @Test
  void withoutAReloadIntervalTheConfigIsNeverChecked() {
    DecidePasses passes = passes(Duration.ZERO);

    runLoop(passes, now + 1_000 * MS);

    assertThat(configChecks).isZero();
  }

  @Test
  void aDrainStopsBetweenChunksOnceTheDecidersShutDown() {
    DecidePasses passes =
        new DecidePasses(
            max -> {
              stopping = true; // close() called while this chunk was being decided
              return decideDue(max);
            },
            () -> {},
            TICK,
            HELPER_AFTER,
            Duration.ZERO,
            () -> now,
            () -> helperCalls.add(now),
            () -> stopping);
    due = 100;

    passes.drain();

    assertThat(chunks).containsExactly(16);
    assertThat(due).isEqualTo(84);
  }
}
