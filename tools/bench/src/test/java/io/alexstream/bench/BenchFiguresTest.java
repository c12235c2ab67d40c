package io.alexstream.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Tier: plain unit. How the bench turns measurements into ratios, and how it reads the JIT compilers' time. */
class BenchFiguresTest {

    @Test
    void aServiceIsComparedWithTheMeanOfTheBareFiguresMeasuredBesideIt() {
        assertThat(new Reference(8.0, 10.0).value()).isEqualTo(9.0);
        // the drain's worker starts consuming when ready, so only the side after it is measured
        assertThat(new Reference(Double.NaN, 10.0).value()).isEqualTo(10.0);
        assertThat(new Reference(8.0, Double.NaN).value()).isEqualTo(8.0);
        assertThat(Reference.NONE.value()).isNaN();
    }

    @Test
    void theKafkaPathIsTheWindowWithTheMedianRatioEachAgainstTheEngineBesideIt() {
        // the fastest window ran on a slow stretch of the machine: its ratio is the lowest
        KafkaWindow slowMachine = new KafkaWindow(9.0, 16, new Reference(11.0, 11.5));
        KafkaWindow middle = new KafkaWindow(8.0, 15, new Reference(8.5, 8.9));
        KafkaWindow fastMachine = new KafkaWindow(8.5, 16, new Reference(7.9, 8.1));
        PipelineFigures figures = new PipelineFigures(
                java.util.List.of(slowMachine, middle, fastMachine),
                128,
                Double.NaN,
                Reference.NONE,
                Double.NaN,
                Double.NaN,
                Double.NaN,
                Double.NaN,
                0,
                Reference.NONE,
                TrainerFigures.NONE,
                new Delivery(10.0, 9.0));
        assertThat(slowMachine.ratio()).isEqualTo(9.0 / 11.25);
        assertThat(figures.delivery().ratio()).isEqualTo(0.9);
        assertThat(figures.kafka()).isSameAs(middle);
        assertThat(figures.kafka().ratio()).isEqualTo(8.0 / 8.7);
    }

    @Test
    void theWarmUpCountsOnlyTheJitCompilerThreadsTimesFromTheirProcStatLines() {
        // utime 1234 and stime 56 are fields 14 and 15; a name may hold spaces and parentheses
        String compiler = "4242 (C2 CompilerThre) S 1 4240 4240 0 -1 4194368 5309 0 0 0 1234 56 0 0 20 0 40 0 1000";
        String c1 = compiler.replace("C2 CompilerThre", "C1 CompilerThre");
        String broker = "4243 (data-plane-kafk) S 1 4240 4240 0 -1 4194368 5309 0 0 0 9999 99 0 0 20 0 40 0 1000";
        String tricky = "4244 (x) C2 CompilerThre) S 1 4240 4240 0 -1 4194368 5309 0 0 0 7 8 0 0 20 0 40 0 1000";
        assertThat(JitCompilers.compilerTicks(compiler)).isEqualTo(1290);
        assertThat(JitCompilers.compilerTicks(c1)).isEqualTo(1290);
        assertThat(JitCompilers.compilerTicks(broker)).isEqualTo(-1);
        assertThat(JitCompilers.compilerTicks(tricky)).isEqualTo(-1);
    }

    @Test
    void theWarmUpReadsThisJvmsCompilersThreadByThreadAndNothingWithoutProc() {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                java.nio.file.Files.isDirectory(java.nio.file.Path.of("/proc/self/task")),
                "per-thread CPU times come from Linux's /proc");
        long pid = ProcessHandle.current().pid();
        Map<String, Long> compilers = JitCompilers.compilerTicksByThread(pid);
        assertThat(compilers)
                .isNotEmpty()
                .allSatisfy((thread, ticks) -> assertThat(thread).startsWith(pid + "/"));
        double total = compilers.values().stream().mapToLong(Long::longValue).sum() / 100.0;
        assertThat(total)
                .isPositive()
                .isLessThan(ProcessHandle.current()
                                .info()
                                .totalCpuDuration()
                                .orElseThrow()
                                .toNanos()
                        / 1e9);
        // against nothing before, every thread's whole time counts; a thread that ended since is not subtracted
        assertThat(JitCompilers.compilerSecondsSince(Map.of(), pid)).isGreaterThanOrEqualTo(total);
        assertThat(JitCompilers.compilerSecondsSince(Map.of(pid + "/1", 1_000_000L), pid))
                .isGreaterThanOrEqualTo(total);
        assertThat(JitCompilers.compilerTicksByThread(pid, Long.MAX_VALUE)).isNull();
        assertThat(JitCompilers.compilerSecondsSince(compilers, Long.MAX_VALUE)).isNaN();
    }
}
