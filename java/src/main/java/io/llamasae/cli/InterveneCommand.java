package io.llamasae.cli;

import io.llamasae.data.Dataset;
import io.llamasae.data.DatasetFormat;
import io.llamasae.data.DatasetReader;
import io.llamasae.data.PromptTemplate;
import io.llamasae.data.Sample;
import io.llamasae.engine.Edit;
import io.llamasae.engine.Engine;
import io.llamasae.engine.GenerationOptions;
import io.llamasae.engine.InterventionSpec;
import io.llamasae.engine.LayerConvention;
import io.llamasae.engine.Model;
import io.llamasae.engine.NativeSae;
import io.llamasae.sae.Sae;
import io.llamasae.validation.AnswerExtractor;
import io.llamasae.validation.EditSpecs;
import io.llamasae.validation.InterventionComparison;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code llama-sae intervene}: generates with and without SAE feature edits and prints the two
 * continuations of every prompt one above the other, with the KL divergence of the first generated
 * step. Every spec is checked against the SAE before the model is loaded.
 */
@Command(name = "intervene", mixinStandardHelpOptions = true,
        description = "Edit SAE features inside the forward pass and compare clean vs intervened generations.")
public final class InterveneCommand implements Callable<Integer> {
    @Mixin
    ModelSaeOptions ms;

    @Mixin
    RunOptions run;

    @Option(names = "--position", defaultValue = "-1",
            description = "Prompt position edited when --positions is not given (negative = from the end; default ${DEFAULT-VALUE})")
    int position;

    @Option(names = "--positions", description = "Edited prompt positions: all, or a list such as 3,-1 (default: --position)")
    String positions;

    @Option(names = "--prompt-only", description = "Do not edit generated tokens (default: every generated token is edited too)")
    boolean promptOnly;

    @Option(names = "--ablate", description = "Ablate latent F (z_F := 0); F@LAYER names the layer explicitly; repeatable")
    List<String> ablate = new ArrayList<>();

    @Option(names = "--scale", description = "Scale latent F by K: F=K; repeatable")
    List<String> scale = new ArrayList<>();

    @Option(names = "--clamp", description = "Clamp latent F to V (also when inactive): F=V; repeatable")
    List<String> clamp = new ArrayList<>();

    @Option(names = "--steer", description = "Add A times F's decoder direction: F=A; repeatable")
    List<String> steer = new ArrayList<>();

    @Option(names = "--swap", description = "Swap latents A and B: A:B; repeatable")
    List<String> swap = new ArrayList<>();

    @Option(names = "--replace-with-reconstruction",
            description = "h' = decode(z') (the reference study's behaviour) instead of h + W_dec^T (z' - z)")
    boolean reconstruction;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--prompt", required = true, converter = Converters.NonBlank.class, description = "A prompt (repeatable)")
        List<String> prompts;

        @Option(names = "--dataset", required = true, description = "GSM8K jsonl, chain-of-thought jsonl or plain text")
        Path dataset;
    }

    @Option(names = "--format", description = "Dataset format: gsm8k, cot or text (default: detected)")
    DatasetFormat format;

    @Option(names = "--limit", defaultValue = "5", converter = Converters.Positive.class, description = "Dataset samples used (default ${DEFAULT-VALUE})")
    int limit;

    @Option(names = "--max-tokens", defaultValue = "64", converter = Converters.Positive.class, description = "New tokens per generation (default ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--answer-regex", description = "Regex whose group 1 is the answer (default: #### n, else the last number)")
    String answerRegex;

    @Override
    public Integer call() throws Exception {
        ms.require();
        // everything that can be checked without the model comes first
        LayerConvention conv = ms.layerConvention();
        checkLayer(ms.layer, conv);
        if (maxTokens < 1) throw new IllegalArgumentException("--max-tokens: expected >= 1 but found " + maxTokens);
        if (run.batch < 1 || run.batch > 256) throw new IllegalArgumentException("--batch: expected 1..256 but found " + run.batch);
        if (limit < 1) throw new IllegalArgumentException("--limit: expected >= 1 but found " + limit);
        AnswerExtractor extractor = AnswerExtractor.withRegex(answerRegex);
        Sae s = ms.loadSae();
        ms.checkSaeLayer();
        List<EditSpecs.EditSpec> specs = EditSpecs.parse(ablate, scale, clamp, steer, swap, ms.layer, s.numLatents());
        if (specs.isEmpty()) throw new IllegalArgumentException("no edits: give at least one of --ablate, --scale, --clamp, --steer, --swap");
        boolean all = positions != null && positions.trim().equalsIgnoreCase("all");
        List<Integer> editPositions = positions == null ? List.of(position) : all ? List.of() : parsePositions(positions);
        List<String> ids = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        if (input.prompts != null) {
            for (int i = 0; i < input.prompts.size(); i++) {
                ids.add("prompt " + (i + 1));
                texts.add(input.prompts.get(i));
                expected.add("");
            }
        } else {
            DatasetReader.Options opts = DatasetReader.Options.defaults().withTemplate(PromptTemplate.defaultTemplate());
            if (format != null) opts = opts.withFormat(format);
            Dataset data = DatasetReader.read(input.dataset, opts);
            for (Sample smp : data.samples().subList(0, Math.min(limit, data.samples().size()))) {
                ids.add(smp.id());
                texts.add(smp.prompt());
                expected.add(smp.answer());
            }
            if (ids.isEmpty()) throw new IllegalArgumentException(input.dataset + ": no samples");
        }

        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (Model m = run.loadModel(ms.model);
             Engine e = run.openEngine(m);
             NativeSae ns = NativeSae.of(s)) {
            int block = conv.toBlock(ms.layer, m.info().nLayer());
            s.checkWidth(m.info().nEmbd());
            List<Edit> edits = EditSpecs.toEdits(specs, block);
            InterventionSpec spec = new InterventionSpec(edits, editPositions, all, !promptOnly, reconstruction);
            e.attachSae(block, ns, 0);
            List<int[]> prompts = new ArrayList<>();
            for (String t : texts) prompts.add(m.tokenize(t, m.info().addBos()));
            List<InterventionComparison.Pair> pairs = InterventionComparison.run(e, prompts, ids, spec, GenerationOptions.greedy(maxTokens), run.batch);
            out.println("edits at block " + block + " (" + conv.label() + " layer " + ms.layer + "): " + describe(specs) + "; positions "
                    + (all ? "all" : editPositions.toString()) + (promptOnly ? "" : " + generated tokens") + "; "
                    + (reconstruction ? "reconstruction" : "error-preserving") + " update");
            int changed = 0;
            double sumKl = 0;
            for (int i = 0; i < pairs.size(); i++) {
                InterventionComparison.Pair p = pairs.get(i);
                out.println();
                out.println("=== " + ids.get(i) + ": " + oneLine(texts.get(i), 160));
                out.println("  clean      | " + oneLine(p.cleanText(), 400));
                out.println("  intervened | " + oneLine(p.editedText(), 400));
                String ca = extractor.extract(p.cleanText()).orElse("-");
                String ea = extractor.extract(p.editedText()).orElse("-");
                out.printf(Locale.ROOT, "  answer: clean %s, intervened %s%s; KL(clean||intervened) first step %s nats; first token %s -> %s%s%n",
                        ca, ea, expected.get(i).isEmpty() ? "" : ", expected " + AnswerExtractor.normalize(expected.get(i)), kl(p.kl()),
                        quote(m, p.cleanFirst()), quote(m, p.editedFirst()), p.changed() ? "" : " (generation unchanged)");
                if (p.changed()) changed++;
                sumKl += p.kl();
            }
            out.printf(Locale.ROOT, "%n%d of %d generations changed; mean first-step KL %s nats%n", changed, pairs.size(), kl(sumKl / pairs.size()));
        }
        return 0;
    }

    /** The checks of a layer number that need no model: HF layer 0 (the embeddings) and negative numbers. */
    static void checkLayer(int layer, LayerConvention conv) {
        if (conv == LayerConvention.HF && layer == 0) conv.toBlock(0, Integer.MAX_VALUE);
        if (layer < 0) throw new IllegalArgumentException("--layer: expected a layer >= " + (conv == LayerConvention.HF ? 1 : 0) + " but found " + layer);
    }

    static List<Integer> parsePositions(String text) {
        List<Integer> out = new ArrayList<>();
        for (String part : text.split(",")) {
            try {
                out.add(Integer.parseInt(part.trim()));
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException("--positions: expected all or integers such as 3,-1 but found '" + text + "'");
            }
        }
        return out;
    }

    private static String describe(List<EditSpecs.EditSpec> specs) {
        List<String> parts = new ArrayList<>();
        for (EditSpecs.EditSpec s : specs) {
            parts.add(switch (s.op()) {
                case SCALE -> s.value() == 0f ? "ablate " + s.latent() : "scale " + s.latent() + " x" + s.value();
                case CLAMP -> "clamp " + s.latent() + "=" + s.value();
                case STEER -> "steer " + s.latent() + " by " + s.value();
                case SWAP -> "swap " + s.latent() + ":" + s.partner();
            });
        }
        return String.join(", ", parts);
    }

    /** Exactly 0 prints as "0" (a bit-identical run), anything else with 6 significant digits. */
    private static String kl(double v) {
        return v == 0 ? "0" : String.format(Locale.ROOT, "%.6g", v);
    }

    private static String quote(Model m, int token) {
        return "'" + oneLine(new String(m.tokenPiece(token), StandardCharsets.UTF_8), 40) + "'";
    }

    private static String oneLine(String s, int max) {
        String t = s.replace("\r", "\\r").replace("\n", "\\n");
        return t.length() <= max ? t : t.substring(0, max) + "...";
    }
}
