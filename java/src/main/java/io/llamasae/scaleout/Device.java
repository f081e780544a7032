package io.llamasae.scaleout;

import java.io.Serializable;

/**
 * Where an engine runs: the CPU with a number of threads, or one GPU by its index (the CUDA ordinal a scheduler
 * assigned; never an implicit "device 0").
 *
 * @param gpu     GPU index, or -1 for the CPU
 * @param threads CPU threads for llama.cpp (on a GPU: the threads of the host-side work)
 */
public record Device(int gpu, int threads) implements Serializable {
    public Device {
        if (gpu < -1) {
            throw new IllegalArgumentException("device: expected a GPU index >= 0 or -1 for the CPU but found " + gpu);
        }
        if (threads < 0) {
            throw new IllegalArgumentException("device: expected threads >= 0 (0 = all cores) but found " + threads);
        }
    }

    public static Device cpu(int threads) {
        return new Device(-1, threads);
    }

    public static Device gpu(int index, int threads) {
        if (index < 0) {
            throw new IllegalArgumentException("device: expected a GPU index >= 0 but found " + index);
        }
        return new Device(index, threads);
    }

    public boolean isGpu() {
        return gpu >= 0;
    }

    @Override
    public String toString() {
        return isGpu() ? "gpu:" + gpu : "cpu(" + (threads == 0 ? "all" : threads) + " threads)";
    }
}
