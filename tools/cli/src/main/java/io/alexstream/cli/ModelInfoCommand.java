package io.alexstream.cli;

import io.alexstream.engine.model.AlexNetConfig;
import io.alexstream.engine.model.LayerGeometry;
import io.alexstream.engine.model.LayerGeometry.Layer;
import io.alexstream.engine.model.Profiles;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** {@code model-info [--profile NAME] [--groups 1|2]}: the layer table of a profile. */
final class ModelInfoCommand {

    private ModelInfoCommand() {}

    static int run(Arguments arguments) {
        AlexNetConfig config = Profiles.byName(arguments.get("profile", Profiles.PAPER));
        if (arguments.options().containsKey("groups")) {
            config = config.withGroups(arguments.getInt("groups", config.groups()));
        }
        print(config, System.out);
        return 0;
    }

    static void print(AlexNetConfig config, PrintStream out) {
        out.printf(
                Locale.ROOT,
                "profile %s: input %dx%dx3 (crops of %d from %dx%d), width x%.2f, groups %d, %d classes%n",
                config.profile(),
                config.cropSize(),
                config.cropSize(),
                config.cropSize(),
                config.scaleSize(),
                config.scaleSize(),
                config.widthMultiplier(),
                config.groups(),
                config.numClasses());
        out.printf(Locale.ROOT, "%-8s %-16s %14s %16s%n", "layer", "output", "parameters", "multiply-adds");
        for (Layer layer : LayerGeometry.layers(config)) {
            String shape = Arrays.stream(layer.outputShape())
                    .mapToObj(Integer::toString)
                    .collect(Collectors.joining("x"));
            out.printf(
                    Locale.ROOT,
                    "%-8s %-16s %,14d %,16d%n",
                    layer.name(),
                    shape,
                    layer.parameters(),
                    layer.multiplyAdds());
        }
        out.printf(
                Locale.ROOT,
                "%-8s %-16s %,14d %,16d%n",
                "total",
                "",
                LayerGeometry.totalParameters(config),
                LayerGeometry.totalMultiplyAdds(config));
    }
}
