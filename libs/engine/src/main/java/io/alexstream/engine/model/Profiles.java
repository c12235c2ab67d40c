package io.alexstream.engine.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * Named model profiles.
 *
 * <ul>
 *   <li>{@code paper}: 227x227x3 crops from 256x256 images, full width, two groups, 1000 classes.
 *       227 rather than the text's 224 because 227 makes conv1's arithmetic exact
 *       ((227 - 11) / 4 + 1 = 55, the paper's 55x55 maps).</li>
 *   <li>{@code small}: the same layer stack at a quarter of the width on 99x99 crops from 112x112
 *       images (99 is the smallest crop whose conv5 maps leave pool5 as 2x2 rather than 1x1, which
 *       measured 85% instead of 80% on Fashion-MNIST; 112/99 keeps the paper's 256/227 ratio),
 *       one group, 10 classes (Fashion-MNIST), inputs scaled by 1/64 and
 *       fan-in initialisation (see {@link Initialization}). For CPU demos and tests.</li>
 * </ul>
 */
public final class Profiles {

    public static final String PAPER = "paper";
    public static final String SMALL = "small";

    /** Fashion-MNIST's class names, in label order. */
    public static final List<String> FASHION_MNIST_CLASSES = List.of(
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    /**
     * The small profile feeds (pixel - mean) / 64, roughly unit variance: with raw 0..255 inputs
     * its fan-in-scaled conv1 gets updates far larger than its weights and training stalls.
     */
    static final double SMALL_INPUT_SCALE = 1.0 / 64;

    private Profiles() {}

    public static List<String> names() {
        return List.of(PAPER, SMALL);
    }

    public static AlexNetConfig byName(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case PAPER -> paper();
            case SMALL -> small();
            default -> throw new IllegalArgumentException("unknown profile '" + name + "'; known: " + names());
        };
    }

    public static AlexNetConfig paper() {
        return new AlexNetConfig(PAPER, 227, 256, 1.0, 2, numberedClasses(1000), 1.0);
    }

    public static AlexNetConfig small() {
        return new AlexNetConfig(SMALL, 99, 112, 0.25, 1, FASHION_MNIST_CLASSES, SMALL_INPUT_SCALE);
    }

    public static List<String> numberedClasses(int count) {
        List<String> names = new ArrayList<>(count);
        IntStream.range(0, count).forEach(i -> names.add("class-" + i));
        return names;
    }
}
