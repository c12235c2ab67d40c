package io.alexstream.engine.training;

import io.alexstream.engine.image.ScaledImage;
import java.util.List;
import java.util.Random;

/**
 * The paper's colour augmentation: the principal components of the training pixels' RGB
 * values, and per image per presentation a shift [p1 p2 p3][a1 l1, a2 l2, a3 l3]^T with
 * a_i ~ N(0, 0.1), added to every pixel.
 *
 * <p>The paper does not state the pixel scale of its covariance. As in the common
 * reproductions, the covariance is taken over values scaled to [0, 1] and the shift is
 * multiplied back by 255; computed on raw 0..255 values the eigenvalues would be 255 times
 * larger and the shift would swamp the image.
 */
public final class PcaColourAugmentation {

    public static final double ALPHA_STDDEV = 0.1;

    private final double[][] eigenvectors;
    private final double[] eigenvalues;

    PcaColourAugmentation(double[][] eigenvectors, double[] eigenvalues) {
        this.eigenvectors = eigenvectors;
        this.eigenvalues = eigenvalues;
    }

    /** Eigen-decomposition of the RGB covariance over every pixel of the given images. */
    public static PcaColourAugmentation fit(List<ScaledImage> images) {
        double[] sum = new double[3];
        double[][] products = new double[3][3];
        long n = 0;
        for (ScaledImage image : images) {
            byte[] rgb = image.rgb();
            for (int p = 0; p < rgb.length; p += 3) {
                double[] v = {(rgb[p] & 0xff) / 255.0, (rgb[p + 1] & 0xff) / 255.0, (rgb[p + 2] & 0xff) / 255.0};
                for (int i = 0; i < 3; i++) {
                    sum[i] += v[i];
                    for (int j = 0; j < 3; j++) {
                        products[i][j] += v[i] * v[j];
                    }
                }
                n++;
            }
        }
        double[][] covariance = new double[3][3];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                covariance[i][j] = products[i][j] / n - (sum[i] / n) * (sum[j] / n);
            }
        }
        return fromCovariance(covariance);
    }

    static PcaColourAugmentation fromCovariance(double[][] covariance) {
        double[][] a = {covariance[0].clone(), covariance[1].clone(), covariance[2].clone()};
        double[][] v = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
        // Cyclic Jacobi rotations: exact enough for a symmetric 3x3 after a few sweeps.
        for (int sweep = 0; sweep < 50; sweep++) {
            double off = a[0][1] * a[0][1] + a[0][2] * a[0][2] + a[1][2] * a[1][2];
            if (off < 1e-30) {
                break;
            }
            for (int p = 0; p < 2; p++) {
                for (int q = p + 1; q < 3; q++) {
                    if (Math.abs(a[p][q]) < 1e-300) {
                        continue;
                    }
                    double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(t * t + 1);
                    double s = t * c;
                    for (int k = 0; k < 3; k++) {
                        double akp = a[k][p];
                        double akq = a[k][q];
                        a[k][p] = c * akp - s * akq;
                        a[k][q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < 3; k++) {
                        double apk = a[p][k];
                        double aqk = a[q][k];
                        a[p][k] = c * apk - s * aqk;
                        a[q][k] = s * apk + c * aqk;
                    }
                    for (int k = 0; k < 3; k++) {
                        double vkp = v[k][p];
                        double vkq = v[k][q];
                        v[k][p] = c * vkp - s * vkq;
                        v[k][q] = s * vkp + c * vkq;
                    }
                }
            }
        }
        double[] values = {Math.max(0, a[0][0]), Math.max(0, a[1][1]), Math.max(0, a[2][2])};
        // column i of v is the eigenvector of values[i]
        double[][] vectors = new double[3][3];
        for (int i = 0; i < 3; i++) {
            for (int k = 0; k < 3; k++) {
                vectors[i][k] = v[k][i];
            }
        }
        return new PcaColourAugmentation(vectors, values);
    }

    public double[] eigenvalues() {
        return eigenvalues.clone();
    }

    /** Eigenvector i (unit length) as an RGB triple. */
    public double[] eigenvector(int i) {
        return eigenvectors[i].clone();
    }

    /** The RGB shift, in 0..255 units, for one presentation of one image. */
    public float[] sampleShift(Random random) {
        double[] alphaLambda = new double[3];
        for (int i = 0; i < 3; i++) {
            alphaLambda[i] = random.nextGaussian() * ALPHA_STDDEV * eigenvalues[i];
        }
        float[] shift = new float[3];
        for (int c = 0; c < 3; c++) {
            double s = 0;
            for (int i = 0; i < 3; i++) {
                s += eigenvectors[i][c] * alphaLambda[i];
            }
            shift[c] = (float) (s * 255.0);
        }
        return shift;
    }
}
