package dev.codexbridge.live;

import dev.codexbridge.pool.CodexPool;
import dev.codexbridge.protocol.ThreadItem;
import dev.codexbridge.protocol.ThreadTurnsListParams;
import dev.codexbridge.protocol.Turn;
import dev.codexbridge.protocol.TurnStatus;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.transport.CodexEndpoint;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A host process for {@link PoolHostRestartLiveTest}: opens a {@link CodexPool} over the endpoints
 * given, places one idle session (so the second lands on the second endpoint), starts a turn on
 * the second whose command runs for a while, prints what a host would have to remember — and
 * then waits to be killed. Lines on stdout: {@code IDLE id}, {@code THREAD id}, {@code ENDPOINT name},
 * {@code TURN id}, {@code RUNNING}.
 *
 * <p>Arguments: the working directory, then one {@code ws://} URL per endpoint.
 */
public final class PoolHostMain {
    private PoolHostMain() {
    }

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]);
        CodexPool.Builder b = CodexPool.builder().sharedCodexHome(true).healthInterval(Duration.ofSeconds(1));
        for (int i = 1; i < args.length; i++) {
            b.endpoint("node-" + (i - 1), CodexEndpoint.parse(args[i]));
        }
        CodexPool pool = b.build();
        CodexSession idle = pool.newSession(s -> s.cwd(work));
        CodexSession session = pool.newSession(s -> s.cwd(work));
        System.out.println("IDLE " + idle.threadId());
        System.out.println("THREAD " + session.threadId());
        System.out.println("ENDPOINT " + pool.endpointOf(session.threadId()).orElseThrow());
        CountDownLatch running = new CountDownLatch(1);
        session.runTurnAsync(TurnInput.text("run the slow command"), TurnOptions.DEFAULTS, new TurnListener() {
            @Override
            public void onItemStarted(ThreadItem item) {
                if (item instanceof ThreadItem.CommandExecution) {
                    running.countDown();
                }
            }
        });
        if (!running.await(120, TimeUnit.SECONDS)) {
            System.out.println("NOT-RUNNING");
            System.exit(2);
        }
        Turn turn = session.client().threadTurnsList(new ThreadTurnsListParams(null, null, 5L, null, session.threadId())).data()
                .stream().filter(t -> t.status() == TurnStatus.IN_PROGRESS).findFirst().orElseThrow();
        System.out.println("TURN " + turn.id());
        System.out.println("RUNNING");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);     // killed here (SIGKILL): nothing is closed, nothing is saved
    }
}
