package dev.llmtail.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class DecidePassTest {

  private static final long HALF_TICK = 12_500_000L;

  private final AtomicLong clock = new AtomicLong();
  private final AtomicInteger passes = new AtomicInteger();
  private final List<Runnable> handedToPool = new ArrayList<>();
  private long passTakes;

  private void decideDue() {
    passes.incrementAndGet();
    clock.addAndGet(passTakes);
  }

  private DecidePass pass(Executor pool, int helpers) {
    return new DecidePass(pool, this::decideDue, helpers, HALF_TICK, clock::get);
  }

  @Test
  void passesThatFitInHalfATickRunAloneOnTheLoopsThread() {
    DecidePass pass = pass(handedToPool::add, 3);
    passTakes = HALF_TICK;

    for (int tick = 0; tick < 5; tick++) {
      pass.run();
    }

    assertThat(passes).hasValue(5);
    assertThat(handedToPool).isEmpty();
  }

  @Test
  void afterALongPassTheNextIsJoinedByEveryHelperOnce() {
    DecidePass pass = pass(handedToPool::add, 3);
    passTakes = HALF_TICK + 1;

    pass.run(); // long: no helpers yet, the backlog is not known before it
    assertThat(handedToPool).isEmpty();
    pass.run(); // joined by three helpers
    pass.run(); // they have not finished: no more than three at a time

    assertThat(handedToPool).hasSize(3);
    handedToPool.forEach(Runnable::run);
    assertThat(passes).hasValue(6);
  }

  @Test
  void helpersThatFinishedJoinAgainWhileTheBacklogLasts() {
    DecidePass pass = pass(handedToPool::add, 1);
    passTakes = HALF_TICK + 1;
    pass.run();
    pass.run();
    handedToPool.remove(0).run();

    pass.run();

    assertThat(handedToPool).hasSize(1);
  }

  @Test
  void theLoopRunsAloneAgainOnceAPassIsShort() {
    DecidePass pass = pass(handedToPool::add, 1);
    passTakes = HALF_TICK + 1;
    pass.run();
    passTakes = 0;
    pass.run(); // joined: the pass before was long
    handedToPool.remove(0).run();

    pass.run();

    assertThat(handedToPool).isEmpty();
  }

  @Test
  void aPoolThatTakesNoMoreWorkStillLeavesThePassToTheLoop() {
    Executor shutDown =
        task -> {
          throw new RejectedExecutionException("shut down");
        };
    DecidePass pass = pass(shutDown, 2);
    passTakes = HALF_TICK + 1;

    pass.run();
    pass.run();
    pass.run();

    assertThat(passes).hasValue(3);
  }
}
