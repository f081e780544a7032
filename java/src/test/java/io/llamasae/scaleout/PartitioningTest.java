package io.llamasae.scaleout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PartitioningTest {
    @Test
    void rangesCoverTheDatasetInWholeBatches() {
        for (int samples : new int[] {1, 7, 8, 9, 88, 100, 1495}) {
            for (int batch : new int[] {1, 8, 16}) {
                for (int parts : new int[] {1, 2, 4, 5, 64}) {
                    List<Partitioning.Range> r = Partitioning.ranges(samples, batch, parts);
                    int batches = (samples + batch - 1) / batch;
                    assertEquals(Math.min(parts, batches), r.size());
                    int next = 0;
                    int min = Integer.MAX_VALUE, max = 0;
                    for (int i = 0; i < r.size(); i++) {
                        assertEquals(i, r.get(i).index());
                        assertEquals(next, r.get(i).first());
                        assertEquals(0, r.get(i).first() % batch, "starts on a batch boundary");
                        assertTrue(r.get(i).size() > 0);
                        int b = (r.get(i).size() + batch - 1) / batch;
                        min = Math.min(min, b);
                        max = Math.max(max, b);
                        next = r.get(i).end();
                    }
                    assertEquals(samples, next);
                    assertTrue(max - min <= 1, "batches spread evenly: " + r);
                }
            }
        }
        // hand-checked: 88 samples in batches of 8 = 11 batches over 5 partitions: 3, 2, 2, 2, 2 batches
        assertEquals(List.of(new Partitioning.Range(0, 0, 24), new Partitioning.Range(1, 24, 40), new Partitioning.Range(2, 40, 56),
                new Partitioning.Range(3, 56, 72), new Partitioning.Range(4, 72, 88)), Partitioning.ranges(88, 8, 5));
    }

    @Test
    void inputsCarryIdsPromptsAndGlobalOffsets() {
        List<String> ids = IntStream.range(0, 10).mapToObj(i -> "s" + i).toList();
        List<String> prompts = IntStream.range(0, 10).mapToObj(i -> "p" + i).toList();
        List<PartitionInput> in = Partitioning.inputs(ids, prompts, 4, 3);
        assertEquals(3, in.size());
        assertEquals(List.of("s4", "s5", "s6", "s7"), in.get(1).ids());
        assertEquals(List.of("p8", "p9"), in.get(2).prompts());
        assertEquals(8, in.get(2).firstSample());
        assertEquals(10, in.get(2).endSample());
    }

    @Test
    void badArgumentsAreNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Partitioning.ranges(0, 8, 2)).getMessage().contains("dataset"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Partitioning.ranges(5, 0, 2)).getMessage().contains("--batch"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Partitioning.ranges(5, 8, 0)).getMessage().contains("--partitions"));
        assertThrows(IllegalArgumentException.class, () -> Partitioning.inputs(List.of("a"), List.of(), 1, 1));
    }

    @Test
    void withoutTheSparkModuleScaleOutSaysHowToGetIt() {
        // The CLI module has no Spark inside: no implementation is found, and the message says what to run instead.
        assertTrue(ScaleOut.find().isEmpty());
        String m = assertThrows(IllegalArgumentException.class, ScaleOut::require).getMessage();
        assertTrue(m.contains("--spark") && m.contains("spark-submit"), m);
    }
}
