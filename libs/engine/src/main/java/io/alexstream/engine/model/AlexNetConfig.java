package io.alexstream.engine.model;

import java.util.List;
import java.util.Objects;

/**
 * Everything that fixes the shape of an AlexNet graph and its preprocessing.
 *
 * <p>The layer structure is always the paper's (five convolutions, three fully connected
 * layers, LRN after conv1 and conv2, overlapping 3x3/2 pooling); a profile only changes the
 * input size, the width of every layer and the grouping.
 *
 * @param profile        name of the profile this config came from ({@code paper}, {@code small}, or custom)
 * @param cropSize       C: side of the square crop the network sees
 * @param scaleSize      S: the shorter image side is rescaled to S and the central SxS kept
 * @param widthMultiplier scales every layer's width (1.0 = the paper's 96-256-384-384-256-4096-4096)
 * @param groups         1 (one tower) or 2 (the paper's two-GPU split in conv2, conv4, conv5)
 * @param classNames     one name per output class; its size is the number of classes
 * @param inputScale     the graph multiplies (pixel - mean) by this before conv1; 1 in the paper
 */
public record AlexNetConfig(
        String profile,
        int cropSize,
        int scaleSize,
        double widthMultiplier,
        int groups,
        List<String> classNames,
        double inputScale) {

    /** The paper's channel counts per layer, before the width multiplier. */
    static final int[] PAPER_CONV_CHANNELS = {96, 256, 384, 384, 256};

    static final int PAPER_FC_WIDTH = 4096;
    public static final int CHANNELS = 3;

    public AlexNetConfig {
        Objects.requireNonNull(profile, "profile");
        classNames = List.copyOf(Objects.requireNonNull(classNames, "classNames"));
        if (classNames.size() < 2) {
            throw new IllegalArgumentException("at least 2 classes are needed, got " + classNames.size());
        }
        if (groups != 1 && groups != 2) {
            throw new IllegalArgumentException("groups must be 1 or 2, got " + groups);
        }
        if (widthMultiplier <= 0 || widthMultiplier > 4) {
            throw new IllegalArgumentException("widthMultiplier must be in (0, 4], got " + widthMultiplier);
        }
        if (!(inputScale > 0) || Double.isInfinite(inputScale)) {
            throw new IllegalArgumentException("inputScale must be positive and finite, got " + inputScale);
        }
        if (scaleSize < cropSize) {
            throw new IllegalArgumentException("scaleSize " + scaleSize + " is smaller than cropSize " + cropSize);
        }
        if (LayerGeometry.finalSpatialSize(cropSize) < 1) {
            throw new IllegalArgumentException(
                    "cropSize " + cropSize + " is too small for the AlexNet layer stack (minimum 67)");
        }
    }

    public int numClasses() {
        return classNames.size();
    }

    /** Channels of conv layer {@code index} (0-based), scaled and rounded to a multiple of the group count. */
    public int convChannels(int index) {
        return scaled(PAPER_CONV_CHANNELS[index]);
    }

    public int fcWidth() {
        return scaled(PAPER_FC_WIDTH);
    }

    private int scaled(int paperWidth) {
        int width = (int) Math.round(paperWidth * widthMultiplier);
        width = Math.max(groups, width - width % groups);
        return width;
    }

    public AlexNetConfig withGroups(int newGroups) {
        return new AlexNetConfig(profile, cropSize, scaleSize, widthMultiplier, newGroups, classNames, inputScale);
    }

    public AlexNetConfig withClassNames(List<String> names) {
        return new AlexNetConfig(profile, cropSize, scaleSize, widthMultiplier, groups, names, inputScale);
    }
}
