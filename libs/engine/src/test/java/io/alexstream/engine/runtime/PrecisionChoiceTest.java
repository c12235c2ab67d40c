package io.alexstream.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Tier: unit. How {@code auto}, {@code fp32} and {@code bf16} are read and chosen. */
class PrecisionChoiceTest {

    @Test
    void aFixedSettingIsTakenAsItIs() {
        assertThat(PrecisionChoice.choose("fp32", SessionOptions.cpu()))
                .isEqualTo(new PrecisionChoice(Precision.FP32, "set by configuration"));
        assertThat(PrecisionChoice.choose(" BF16 ", SessionOptions.cpu()).precision())
                .isEqualTo(Precision.BF16);
    }

    @Test
    void anUnknownSettingIsRefusedWithTheKnownOnes() {
        assertThatThrownBy(() -> PrecisionChoice.choose("fp16", SessionOptions.cpu()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fp16")
                .hasMessageContaining("fp32, bf16");
    }

    @Test
    void aGpuSessionKeepsFp32WithoutProbing() {
        assertThat(PrecisionChoice.choose("auto", SessionOptions.gpu(0)))
                .isEqualTo(new PrecisionChoice(Precision.FP32, "auto: a GPU session keeps fp32"));
    }

    @Test
    void onlyNativeBfloat16FlagsCount() {
        assertThat(PrecisionChoice.nativeBfloat16(List.of("avx2", "avx512f", "avx512_bf16")))
                .isTrue();
        assertThat(PrecisionChoice.nativeBfloat16(List.of("amx_tile", "amx_bf16")))
                .isTrue();
        assertThat(PrecisionChoice.nativeBfloat16(List.of("avx2", "avx512f", "avx512_vnni")))
                .isFalse();
        assertThat(PrecisionChoice.nativeBfloat16(List.of())).isFalse();
    }

    @Test
    void autoMeasuresWhereTheCpuHasBfloat16AndStaysFp32Elsewhere() {
        PrecisionChoice choice =
                PrecisionChoice.choose("auto", SessionOptions.cpu().withThreads(2, 0));
        if (PrecisionChoice.nativeBfloat16()) {
            assertThat(choice.reason()).matches("auto: .*fp32 [0-9.]+ ms, bf16 [0-9.]+ ms");
        } else {
            assertThat(choice).isEqualTo(new PrecisionChoice(Precision.FP32, "auto: this CPU has no native bfloat16"));
        }
    }
}
