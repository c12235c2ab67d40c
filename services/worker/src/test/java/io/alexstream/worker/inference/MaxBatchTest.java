package io.alexstream.worker.inference;

import static org.assertj.core.api.Assertions.assertThat;

import io.alexstream.worker.config.WorkerConfig;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Tier: plain unit. The batcher's largest run follows the device unless it is configured. */
class MaxBatchTest {

    @Test
    void aCpuWorkerRunsBatchesOfEightAGpuWorkerSixteenUnlessTold() {
        assertThat(ServingModel.maxBatch(config(Optional.empty(), Optional.empty())))
                .isEqualTo(8);
        assertThat(ServingModel.maxBatch(config(Optional.of(0), Optional.empty())))
                .isEqualTo(16);
        assertThat(ServingModel.maxBatch(config(Optional.empty(), Optional.of(32))))
                .isEqualTo(32);
        assertThat(ServingModel.maxBatch(config(Optional.of(1), Optional.of(4))))
                .isEqualTo(4);
    }

    /** A configuration with only the GPU index and the largest batch set. */
    private static WorkerConfig config(Optional<Integer> gpu, Optional<Integer> maxBatch) {
        Map<String, Object> values = Map.of("gpu", gpu, "maxBatch", maxBatch);
        return (WorkerConfig) Proxy.newProxyInstance(
                WorkerConfig.class.getClassLoader(), new Class<?>[] {WorkerConfig.class}, (proxy, method, args) -> {
                    if (!values.containsKey(method.getName())) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    return values.get(method.getName());
                });
    }
}
