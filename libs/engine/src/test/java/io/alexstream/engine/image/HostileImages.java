package io.alexstream.engine.image;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Images built byte by byte that break decoders, and large valid ones that must not: the decoder's own test
 * inputs. The other modules take theirs from alexstream-test-fixtures, which depends on this library and so
 * cannot serve its tests.
 */
public final class HostileImages {

    private HostileImages() {}

    /**
     * 54 bytes: a 1x1 24-bit BMP whose header declares 2 GiB of pixel data (the JDK's reader allocates it up front).
     */
    public static byte[] bmpDeclaringHugeData() {
        ByteBuffer bmp = ByteBuffer.allocate(54).order(ByteOrder.LITTLE_ENDIAN);
        bmp.put((byte) 'B').put((byte) 'M').putInt(54).putInt(0).putInt(54);
        bmp.putInt(40)
                .putInt(1)
                .putInt(1)
                .putShort((short) 1)
                .putShort((short) 24)
                .putInt(0)
                .putInt(0x7FFFFFF0);
        return bmp.array();
    }

    /**
     * A valid {@code side} x {@code side} 16-bit RGB PNG (a horizontal gradient), deflated row by row so
     * that building it never holds the raw samples (216 MB at 6000x6000).
     */
    public static byte[] png16BitRgb(int side) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(side).putInt(side).put(new byte[] {16, 2, 0, 0, 0});
        chunk(out, "IHDR", ihdr.array());
        byte[] row = new byte[1 + side * 6];
        for (int x = 0; x < side; x++) {
            int value = (int) (65535L * x / Math.max(1, side - 1));
            for (int c = 0; c < 3; c++) {
                row[1 + x * 6 + c * 2] = (byte) (value >> 8);
                row[1 + x * 6 + c * 2 + 1] = (byte) value;
            }
        }
        Deflater deflater = new Deflater(Deflater.BEST_SPEED);
        ByteArrayOutputStream idat = new ByteArrayOutputStream();
        byte[] buffer = new byte[1 << 16];
        // every row after the first uses PNG's "Up" filter: identical rows become zeros and deflate to almost nothing
        byte[] up = new byte[row.length];
        up[0] = 2;
        for (int y = 0; y < side; y++) {
            deflater.setInput(y == 0 ? row : up);
            while (!deflater.needsInput()) {
                idat.write(buffer, 0, deflater.deflate(buffer));
            }
        }
        deflater.finish();
        while (!deflater.finished()) {
            idat.write(buffer, 0, deflater.deflate(buffer));
        }
        chunk(out, "IDAT", idat.toByteArray());
        chunk(out, "IEND", new byte[0]);
        return bytes.toByteArray();
    }

    /** One PNG chunk: length, type, data and its CRC. */
    static void chunk(DataOutputStream out, String type, byte[] data) throws IOException {
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        out.writeInt(data.length);
        out.write(typeBytes);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        out.writeInt((int) crc.getValue());
    }
}
