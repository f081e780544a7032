package io.llamasae.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasae.SharedData;
import io.llamasae.cli.InterveneCommand;
import io.llamasae.cli.ValidateCommand;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The intervene and validate commands: bad specs fail before the model loads; both run end to end. */
class ValidationCommandsTest {
    @TempDir
    static Path dir;
    static Path sae;
    static Path data;

    @BeforeAll
    static void setUp() throws Exception {
        sae = ValidationFixtures.saeDir(dir);
        data = ValidationFixtures.dataset(dir);
    }

    record Run(int code, String out, String err) {}

    /** Runs a command with the CLI's own error handler (exit codes and one-line messages), capturing stdout and stderr. */
    static Run run(Callable<Integer> command, String... args) throws Exception {
        Class<?> handlerClass = Class.forName("io.llamasae.cli.CliErrors");
        var ctor = handlerClass.getDeclaredConstructor();
        ctor.setAccessible(true);
        Object handler = ctor.newInstance();
        CommandLine cl = new CommandLine(command);
        cl.setExecutionExceptionHandler((CommandLine.IExecutionExceptionHandler) handler);
        cl.setParameterExceptionHandler((CommandLine.IParameterExceptionHandler) handler);
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            int code = cl.execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(saved);
        }
    }

    static String[] args(List<String> base, String... extra) {
        List<String> all = new ArrayList<>(base);
        all.addAll(List.of(extra));
        return all.toArray(new String[0]);
    }

    /** The model path does not exist: a message about it would mean the spec was checked too late. */
    static final String MISSING_MODEL = "no-such-model.gguf";

    static void assertFailsEarly(Supplier<Callable<Integer>> command, String[] args, String expected) throws Exception {
        Run r = run(command.get(), args);
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains(expected), "expected '" + expected + "' in: " + r.err());
        assertFalse(r.err().contains(MISSING_MODEL), "the model must not be touched: " + r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void badInterveneSpecsFailBeforeTheModelLoads() throws Exception {
        List<String> base = List.of("--model", dir.resolve(MISSING_MODEL).toString(), "--sae", sae.toString(), "--layer", "1",
                "--prompt", "3+4=");
        assertFailsEarly(InterveneCommand::new, args(base, "--ablate", "64"), "expected a latent in 0..63 (the SAE has 64 latents) but found latent 64");
        assertFailsEarly(InterveneCommand::new, args(base, "--scale", "3=NaN"), "expected a finite number but found 'NaN'");
        assertFailsEarly(InterveneCommand::new, args(base, "--swap", "3-4"), "swap: expected A:B");
        assertFailsEarly(InterveneCommand::new, args(base, "--clamp", "3"), "expected F=V");
        assertFailsEarly(InterveneCommand::new, args(base, "--ablate", "3@0"), "layer 0 has no SAE (the SAE is attached at layer 1)");
        assertFailsEarly(InterveneCommand::new, args(base), "no edits");
        assertFailsEarly(InterveneCommand::new, args(base, "--ablate", "3", "--positions", "1,x"), "--positions");
        assertFailsEarly(InterveneCommand::new, args(List.of("--model", dir.resolve(MISSING_MODEL).toString(), "--sae", sae.toString(),
                "--layer", "0", "--layer-convention", "hf", "--prompt", "x"), "--ablate", "3"), "HF layer 0: expected an HF layer >= 1");
        assertFailsEarly(InterveneCommand::new, args(base, "--ablate", "3", "--answer-regex", "(x"), "answer regex");
    }

    @Test
    void badValidateSpecsFailBeforeTheModelLoads() throws Exception {
        List<String> base = List.of("--model", dir.resolve(MISSING_MODEL).toString(), "--sae", sae.toString(), "--dataset", data.toString(),
                "--layer", "1", "--position", "2", "--out", dir.resolve("never").toString());
        assertFailsEarly(ValidateCommand::new, args(base, "--amplify", "64"), "but found latent 64");
        assertFailsEarly(ValidateCommand::new, args(base, "--swap", "1:2:3"), "expected A:B");
        assertFailsEarly(ValidateCommand::new, args(base, "--swap", "1:99"), "but found latent 99");
        assertFailsEarly(ValidateCommand::new, args(base, "--amplify", "5", "--factors", "2,NaN"), "expected a finite number but found 'NaN'");
        assertFailsEarly(ValidateCommand::new, args(base, "--operation", "5=modulo"), "--operation '5=modulo'");
        assertFailsEarly(ValidateCommand::new, args(base, "--operation", "5@7=addition"), "layer 7 has no SAE");
        assertFailsEarly(ValidateCommand::new, args(base, "--scope", "nowhere"), "scope: expected all or position");
        assertFailsEarly(ValidateCommand::new, args(base, "--high-impact", "0.001"), "impact thresholds");
        Path wide = dir.resolve("wide_analysis.json");
        Files.writeString(wide, "{\"metadata\": {\"layer\": 1, \"position\": 2}, \"specialized_features\": [{\"feature_id\": 70, "
                + "\"specialization\": {\"type\": \"operation-specialized\", \"description\": \"addition\"}}]}");
        assertFailsEarly(ValidateCommand::new, args(base, "--specialized", wide.toString()), "but found latent 70");
        assertFalse(Files.exists(dir.resolve("never")), "no output for a failed run");
    }

    @Test
    void validateAndInterveneRunEndToEnd() throws Exception {
        SharedData.requireNatives();
        Path model = ValidationFixtures.model(dir);
        Path out = dir.resolve("report");
        Path analysis = dir.resolve("activation_analysis_layer0_pos2_rank1-64.json");
        Files.writeString(analysis, "{\"metadata\": {\"layer\": 0, \"position\": 2}, \"specialized_features\": [{\"feature_id\": 9, "
                + "\"specialization\": {\"type\": \"operation-specialized\", \"description\": \"division\"}}]}");
        Run v = run(new ValidateCommand(), "--model", model.toString(), "--sae", sae.toString(), "--dataset", data.toString(),
                "--layer", "0", "--position", "2", "--top", "2", "--amplify", "5", "--factors", "2", "--swap", "5:6",
                "--operation", "63=multiplication", "--specialized", analysis.toString(), "--max-tokens", "4", "--batch", "4", "--ctx", "512", "--threads", "2",
                "--resamples", "100", "--out", out.toString());
        assertEquals(0, v.code(), v.err() + v.out());
        JsonNode json = new ObjectMapper().readTree(out.resolve("validation_results_layer0_pos2.json").toFile());
        assertEquals(6, json.get("metadata").get("num_samples").asInt());
        assertEquals(2, json.get("general_features").size());
        assertEquals(1, json.get("amplifications").size());
        assertEquals(1, json.get("swaps").size());
        assertEquals("multiplication", json.get("operation_level").get(0).get("operation").asText());
        assertEquals(9, json.get("operation_level").get(1).get("feature_id").asInt(), "labelled operation feature tested too");
        assertEquals("division", json.get("operation_level").get(1).get("operation").asText());
        boolean listed = false;
        for (JsonNode f : json.get("specialized_features")) {
            if (f.get("feature_id").asInt() == 9) {
                listed = true;
                assertEquals("operation-specialized", f.get("specialization_type").asText());
                assertTrue(f.has("ablation"), f.toString());
            }
        }
        assertTrue(listed, json.get("specialized_features").toString());
        assertTrue(Files.exists(out.resolve("validation.md")));
        assertTrue(Files.exists(out.resolve("validation_ablation_layer0_pos2.png")));
        assertTrue(v.out().contains("## Causal validation"), v.out());

        Run i = run(new InterveneCommand(), "--model", model.toString(), "--sae", sae.toString(), "--layer", "0",
                "--scale", ValidationFixtures.DEAD + "=5", "--swap", "7:7", "--positions", "all", "--prompt", "Question: 3+4=?\nAnswer:",
                "--prompt", "20*3=60", "--max-tokens", "4", "--ctx", "256", "--threads", "2");
        assertEquals(0, i.code(), i.err() + i.out());
        assertTrue(i.out().contains("clean      |") && i.out().contains("intervened |"), i.out());
        assertTrue(i.out().contains("0 of 2 generations changed; mean first-step KL 0 nats"), i.out());

        Run clamp = run(new InterveneCommand(), "--model", model.toString(), "--sae", sae.toString(), "--layer", "0",
                "--clamp", "5=40", "--dataset", data.toString(), "--limit", "2", "--max-tokens", "4", "--ctx", "256", "--threads", "2");
        assertEquals(0, clamp.code(), clamp.err() + clamp.out());
        assertTrue(clamp.out().contains("expected 7"), clamp.out());
        assertFalse(clamp.out().contains("mean first-step KL 0 nats"), "clamping a latent to 40 moves the distribution: " + clamp.out());
    }
}
