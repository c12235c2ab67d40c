package io.alexstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Tier: plain unit. Options, flags, repeated options and positionals. */
class ArgumentsTest {

    @Test
    void parsesOptionsFlagsRepeatsAndPositionals() {
        Arguments a = Arguments.parse(
                new String[] {"--profile", "paper", "--json", "--topic", "a:2", "--topic=b:1", "file.png"});
        assertThat(a.get("profile", "small")).isEqualTo("paper");
        assertThat(a.flag("json")).isTrue();
        assertThat(a.flag("missing")).isFalse();
        assertThat(a.all("topic")).containsExactly("a:2", "b:1");
        assertThat(a.positional()).containsExactly("file.png");
        assertThat(a.getInt("batch", 128)).isEqualTo(128);
    }
}
