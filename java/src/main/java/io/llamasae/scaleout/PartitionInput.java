package io.llamasae.scaleout;

import java.io.Serializable;
import java.util.List;

/**
 * The samples of one partition, as shipped to the process that runs it.
 *
 * @param index       partition number, 0-based, in dataset order
 * @param firstSample dataset index of {@code prompts.get(0)}: results record global sample indices
 * @param ids         sample ids, one per prompt
 * @param prompts     the texts fed to the model
 */
public record PartitionInput(int index, int firstSample, List<String> ids, List<String> prompts) implements Serializable {
    public PartitionInput {
        ids = List.copyOf(ids);
        prompts = List.copyOf(prompts);
        if (ids.size() != prompts.size()) {
            throw new IllegalArgumentException("partition " + index + ": expected one id per prompt but found " + ids.size() + " ids for "
                    + prompts.size() + " prompts");
        }
        if (index < 0 || firstSample < 0) {
            throw new IllegalArgumentException("partition: expected index >= 0 and firstSample >= 0 but found " + index + ", " + firstSample);
        }
    }

    /** Number of samples. */
    public int size() {
        return prompts.size();
    }

    /** One past the dataset index of the last sample. */
    public int endSample() {
        return firstSample + prompts.size();
    }
}
