package io.cdnguard.samples.jetty;

import static io.cdnguard.testing.CardinalityAttack.BACKENDS;
import static io.cdnguard.testing.CardinalityAttack.CDN_LOOPS;
import static io.cdnguard.testing.CardinalityAttack.FIRST;
import static io.cdnguard.testing.CardinalityAttack.REQUESTS;

import io.cdnguard.CdnGuard;
import io.cdnguard.GuardSnapshot;
import io.cdnguard.MutableExchange;
import io.cdnguard.testing.CardinalityAttack;
import io.cdnguard.testing.CardinalityAttack.Attack;
import io.cdnguard.testing.CardinalityAttack.Figures;
import io.cdnguard.testing.RawConnection;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openjdk.jol.info.GraphLayout;
import org.openjdk.jol.vm.VM;
import org.openjdk.jol.vm.VirtualMachine;

/**
 * The cardinality attack ({@link CardinalityAttack}, issue 8) on the Jetty sample: distinct paths,
 * {@code CDN-Loop} ids and CloudFront POP names through {@link io.cdnguard.servlet.CdnGuardFilter};
 * then 20k distinct backend names.
 *
 * <p>Backend names: the sample has no gateway servlet, so the backend part records through the guard's
 * public {@link CdnGuard#record} on the sample's guard. (A servlet gateway names them with the request
 * attribute {@link io.cdnguard.servlet.CdnGuardFilter#BACKEND_ATTRIBUTE}; a gateway run over HTTP, like
 * the Netty sample's, would cover that path too.)
 */
class JettyOriginCardinalityTest {

    static {
        // JOL cannot read field offsets of hidden classes (lambdas) through Unsafe on JDK 17 without this.
        System.setProperty("jol.magicFieldOffset", "true");
    }

    private static final VirtualMachine VM_ = VM.current();
    private static final CardinalityAttack.Heap JOL = new CardinalityAttack.Heap(VM_::sizeOf,
            (o, f) -> VM_.getObject(o, VM_.fieldOffset(f)), root -> GraphLayout.parseInstance(root).totalSize(),
            root -> GraphLayout.parseInstance(root).toFootprint());

    private JettyOrigin origin;

    @AfterEach
    void stop() {
        if (origin != null) {
            origin.close();
        }
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS) // a hang guard only; ~30 s on a busy 2-core machine
    void sample_distinctPathsCdnLoopsPopsAndBackends_memoryAndOutputBounded_noCountLost() throws Exception {
        origin = JettyOrigin.start(JettyOrigin.Options.parse("--port", "0", "--host", "127.0.0.1",
                "--expect-backends", "b0,b1"));
        CdnGuard guard = origin.guard();
        try (RawConnection client = CardinalityAttack.connect(origin.port())) {
            Attack attack = new Attack(false);
            attack.send(client, 0, 64);
            CardinalityAttack.awaitTotal(guard, 64);
            attack.send(client, 64, FIRST);
            recordBackends(guard, 0, FIRST);
            Figures first = CardinalityAttack.measure(JOL, "jetty-sample", guard, client, attack.sent + FIRST, FIRST);
            attack.send(client, FIRST, REQUESTS);
            recordBackends(guard, FIRST, REQUESTS);
            Figures second = CardinalityAttack.measure(JOL, "jetty-sample", guard, client,
                    attack.sent + REQUESTS + first.selfRequests(), REQUESTS);
            CardinalityAttack.assertBounded(first, second);

            long sent = attack.sent + REQUESTS + first.selfRequests() + second.selfRequests();
            CardinalityAttack.awaitTotal(guard, sent);
            GuardSnapshot s = guard.snapshot();
            // the backend exchanges carry a made-up CDN-Loop too: counted with the CDN-Loop-only requests
            CardinalityAttack.assertPathsLoopsAndPopsCounted(s, attack, sent, REQUESTS);
            CardinalityAttack.assertBackendsBounded(s, REQUESTS);
        }
    }

    /**
     * Backend names of exchanges {@code from..to}, as a servlet gateway would have to report them (see
     * the class comment): one exchange each, through the guard's public recording API.
     */
    static void recordBackends(CdnGuard guard, int from, int to) {
        MutableExchange e = new MutableExchange();
        for (int i = from; i < to; i++) {
            guard.record(e.reset().method("GET").path("/gw/" + i).status(200)
                    .requestHeader("CDN-Loop", "loop-" + (i % CDN_LOOPS)).backend("b" + (i % BACKENDS)));
        }
    }
}
