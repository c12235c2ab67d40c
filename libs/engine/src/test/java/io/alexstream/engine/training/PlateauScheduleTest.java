package io.alexstream.engine.training;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Tier: plain unit. Divide by 10 on a plateau, at most the configured number of times. */
class PlateauScheduleTest {

    @Test
    void dropsTenfoldAfterPatienceStaleChecksAndAtMostThreeTimes() {
        PlateauSchedule schedule = new PlateauSchedule(0.01f, 2, 3, 1e-3);
        assertThat(schedule.observe(0.5)).isEqualTo(0.01f);
        assertThat(schedule.observe(0.4)).isEqualTo(0.01f);
        assertThat(schedule.observe(0.4)).isEqualTo(0.01f);
        assertThat(schedule.observe(0.4)).isCloseTo(0.001f, org.assertj.core.data.Offset.offset(1e-9f));
        assertThat(schedule.observe(0.3)).isCloseTo(0.001f, org.assertj.core.data.Offset.offset(1e-9f));
        for (int i = 0; i < 10; i++) {
            schedule.observe(0.3);
        }
        assertThat(schedule.drops()).isEqualTo(3);
        assertThat(schedule.rate()).isCloseTo(1e-5f, org.assertj.core.data.Offset.offset(1e-10f));
    }
}
