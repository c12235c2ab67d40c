package io.alexstream.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.tensorflow.proto.ConfigProto;

/** Tier: plain unit. The ConfigProto a pinned session gets, and what a GPU-less machine reports. */
class PlacementTest {

    @Test
    void pinnedSessionSeesOnlyItsGpuAndGrowsMemoryOnDemand() {
        ConfigProto proto = SessionOptions.gpu(3).withThreads(4, 2).toConfigProto();
        assertThat(proto.getGpuOptions().getVisibleDeviceList()).isEqualTo("3");
        assertThat(proto.getGpuOptions().getAllowGrowth()).isTrue();
        assertThat(proto.getIntraOpParallelismThreads()).isEqualTo(4);
        assertThat(proto.getInterOpParallelismThreads()).isEqualTo(2);
    }

    @Test
    void cpuSessionHidesGpus() {
        ConfigProto proto = SessionOptions.cpu().toConfigProto();
        assertThat(proto.getDeviceCountMap()).containsEntry("GPU", 0);
    }

    @Test
    void cpuSessionRunsTwiceAsManyIntraOpThreadsAsCoresUnlessTold() {
        int cores = Runtime.getRuntime().availableProcessors();
        assertThat(SessionOptions.cpu().toConfigProto().getIntraOpParallelismThreads())
                .isEqualTo(2 * cores);
        assertThat(SessionOptions.cpu().toConfigProto().getInterOpParallelismThreads())
                .isZero();
        assertThat(SessionOptions.cpu().withThreads(0, 0).toConfigProto().getIntraOpParallelismThreads())
                .isZero();
        assertThat(SessionOptions.gpu(0).toConfigProto().getIntraOpParallelismThreads())
                .isZero();
    }

    @Test
    void aMachineWithoutAUsableGpuRunsOnCpuAndSaysWhy() {
        Placement placement = Placement.detect(SessionOptions.gpu(0));
        if (placement.onGpu()) {
            assertThat(placement.device()).isEqualTo("gpu:0");
        } else {
            assertThat(placement.device()).isEqualTo("cpu");
            assertThat(placement.explanation()).contains("GPU 0 requested but not usable");
        }
        assertThat(Placement.detect(SessionOptions.cpu()).device()).isEqualTo("cpu");
    }
}
