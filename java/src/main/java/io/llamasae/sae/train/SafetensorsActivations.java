package io.llamasae.sae.train;

import io.llamasae.sae.safetensors.SafetensorsFormatException;
import io.llamasae.sae.safetensors.SafetensorsReader;
import io.llamasae.sae.safetensors.TensorInfo;
import java.io.IOException;
import java.util.Arrays;

/**
 * Rows of one {@code [N, d]} floating tensor (F32/F16/BF16) of an open safetensors file, read
 * through memory-mapped windows. The caller owns and closes the reader.
 */
public final class SafetensorsActivations implements ActivationSource {
    private final SafetensorsReader reader;
    private final String tensor;
    private final long rows;
    private final int d;

    public SafetensorsActivations(SafetensorsReader reader, String tensor) throws IOException {
        TensorInfo t = reader.info(tensor);
        if (t.rank() != 2 || t.dim(0) <= 0 || t.dim(1) <= 0 || t.dim(1) > Integer.MAX_VALUE) {
            throw new SafetensorsFormatException(reader.file() + ": tensor '" + tensor + "': shape: expected [N, d] "
                    + "with N, d > 0 but found " + Arrays.toString(t.shape()));
        }
        if (!t.dtype().isFloating()) {
            throw new SafetensorsFormatException(reader.file() + ": tensor '" + tensor + "': dtype: expected F32, "
                    + "F16 or BF16 but found " + t.dtype());
        }
        this.reader = reader;
        this.tensor = tensor;
        this.rows = t.dim(0);
        this.d = (int) t.dim(1);
    }

    /** The standard activation tensor name {@code layer{L}.pos{P}}. */
    public static String tensorName(int layer, int position) {
        return "layer" + layer + ".pos" + position;
    }

    @Override
    public long rows() {
        return rows;
    }

    @Override
    public int dim() {
        return d;
    }

    @Override
    public void read(long firstRow, int count, float[] dst) throws IOException {
        reader.readFloats(tensor, Math.multiplyExact(firstRow, (long) d), dst, 0, Math.multiplyExact(count, d));
    }

    @Override
    public String describe() {
        return reader.file() + ":" + tensor;
    }
}
