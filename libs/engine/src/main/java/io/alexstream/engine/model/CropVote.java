package io.alexstream.engine.model;

import io.alexstream.engine.inference.ClassScore;
import io.alexstream.engine.inference.Prediction;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns the softmax rows of a batch's crops into one prediction per image, as the paper does:
 * the probabilities of an image's crops are averaged, and the top-k classes of the average are
 * reported, highest first, under their config's class names. How many crops voted for another class than the
 * average's is kept too: the doubt only 10-crop inference can measure.
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
            int[] cropBest = new int[cropsPerImage];
            for (int c = 0; c < cropsPerImage; c++) {
                int row = (i * cropsPerImage + c) * classes;
                int best = 0;
                for (int k = 0; k < classes; k++) {
                    averaged[k] += probabilities[row + k];
                    if (probabilities[row + k] > probabilities[row + best]) {
                        best = k;
                    }
                }
                cropBest[c] = best;
            }
            for (int k = 0; k < classes; k++) {
                averaged[k] /= cropsPerImage;
            }
            List<ClassScore> top = topK(averaged, topK, classNames);
            int answer = top.get(0).index();
            int disagreeing = 0;
            for (int best : cropBest) {
                if (best != answer) {
                    disagreeing++;
                }
            }
            predictions.add(new Prediction(top, cropsPerImage, version, (double) disagreeing / cropsPerImage));
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
