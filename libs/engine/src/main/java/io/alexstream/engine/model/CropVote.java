package io.alexstream.engine.model;

import io.alexstream.engine.inference.ClassScore;
import io.alexstream.engine.inference.Prediction;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns the softmax rows of a batch's crops into one prediction per image, as the paper does:
 * the probabilities of an image's crops are averaged, and the top-k classes of the average are
 * reported, highest first, under their config's class names.
 */
final class CropVote {

    private CropVote() {}

    /** {@code probabilities} holds {@code images * cropsPerImage} rows of {@code classNames.size()} values. */
    static List<Prediction> predictions(
            float[] probabilities, int images, int cropsPerImage, List<String> classNames, int topK, long version) {
        int classes = classNames.size();
        List<Prediction> predictions = new ArrayList<>(images);
        for (int i = 0; i < images; i++) {
            float[] averaged = new float[classes];
            for (int c = 0; c < cropsPerImage; c++) {
                int row = (i * cropsPerImage + c) * classes;
                for (int k = 0; k < classes; k++) {
                    averaged[k] += probabilities[row + k];
                }
            }
            for (int k = 0; k < classes; k++) {
                averaged[k] /= cropsPerImage;
            }
            predictions.add(new Prediction(topK(averaged, topK, classNames), cropsPerImage, version));
        }
        return predictions;
    }

    private static List<ClassScore> topK(float[] probabilities, int k, List<String> classNames) {
        int n = Math.min(k, probabilities.length);
        Integer[] order = new Integer[probabilities.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(probabilities[b], probabilities[a]));
        List<ClassScore> top = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            top.add(new ClassScore(order[i], classNames.get(order[i]), probabilities[order[i]]));
        }
        return top;
    }
}
