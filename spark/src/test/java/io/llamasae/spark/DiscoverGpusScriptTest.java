package io.llamasae.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.nio.file.attribute.PosixFilePermissions;
import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** spark/bin/discover-gpus.sh prints what Spark's own parser reads, with a stand-in nvidia-smi on the PATH. */
class DiscoverGpusScriptTest {
    private static ResourceInformation run(Path fakeBin, Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", Path.of("bin/discover-gpus.sh").toAbsolutePath().toString());
        pb.environment().remove("CUDA_VISIBLE_DEVICES");
        pb.environment().put("PATH", fakeBin + ":/usr/bin:/bin");
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return ResourceInformation.parseJson(out);
    }

    @Test
    void printsSparkResourceJson(@TempDir Path dir) throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path smi = bin.resolve("nvidia-smi");
        Files.writeString(smi, "#!/bin/sh\nprintf '0\\n1\\n2\\n3\\n'\n");
        Files.setPosixFilePermissions(smi, PosixFilePermissions.fromString("rwxr-xr-x"));
        ResourceInformation all = run(bin, Map.of());
        assertEquals("gpu", all.name());
        assertArrayEquals(new String[] {"0", "1", "2", "3"}, all.addresses());
        // a container that may see two of them: CUDA numbers those 0 and 1
        assertArrayEquals(new String[] {"0", "1"}, run(bin, Map.of("CUDA_VISIBLE_DEVICES", "2,3")).addresses());
        assertArrayEquals(new String[0], run(bin, Map.of("CUDA_VISIBLE_DEVICES", "")).addresses());
        // no driver tools at all: no GPU (unless this machine has the real nvidia-smi in /usr/bin)
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.exists(Path.of("/usr/bin/nvidia-smi")), "skipped: the real nvidia-smi is on /usr/bin");
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertEquals(Set.of(), Set.of(run(empty, Map.of()).addresses()));
    }
}
