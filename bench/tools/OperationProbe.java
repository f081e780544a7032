// Where does the arithmetic model carry the operation it is about to write? A linear read-out
// (nearest class centroid, 5-fold cross-validated) of the FIRST step's operation from the
// residual stream after every block (io.llamasae.analysis.CentroidProbe), at the last prompt token (-1) and at the first generated
// steps g1..g6, for the trained model and its random-init twin side by side. Chance is ~25 %.
//
//   java -cp java/target/llama-sae-cli.jar bench/tools/OperationProbe.java MODEL.gguf TWIN.gguf PROBLEMS.jsonl [N]
//
// Single-file program (java's source launcher); it uses only the library's public API.
import io.llamasae.analysis.CentroidProbe;
import io.llamasae.data.DatasetReader;
import io.llamasae.data.Operation;
import io.llamasae.data.Sample;
import io.llamasae.engine.CaptureSpec;
import io.llamasae.engine.Engine;
import io.llamasae.engine.EngineOptions;
import io.llamasae.engine.Generation;
import io.llamasae.engine.GenerationOptions;
import io.llamasae.engine.Model;
import io.llamasae.engine.RunResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

public class OperationProbe {
    static final int STEPS = 6;
    static final int BATCH = 32;

    public static void main(String[] args) throws Exception {
        List<Sample> problems = DatasetReader.read(Path.of(args[2])).samples();
        int n = args.length > 3 ? Math.min(Integer.parseInt(args[3]), problems.size()) : problems.size();
        problems = problems.subList(0, n);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) labels[i] = problems.get(i).operationSequence().get(0).ordinal();
        for (String m : new String[] {args[0], args[1]}) {
            try (Model model = Model.load(Path.of(m))) {
                int nLayer = model.info().nLayer();
                int d = model.info().nEmbd();
                List<Integer> layers = new ArrayList<>();
                for (int l = 0; l < nLayer; l++) layers.add(l);
                // [layer][position slot: 0 = -1, k = gk][problem][d]
                float[][][][] x = new float[nLayer][STEPS + 1][n][];
                try (Engine e = Engine.open(model, EngineOptions.defaults().withCtx(BATCH * 128).withSeqMax(BATCH))) {
                    for (int from = 0; from < n; from += BATCH) {
                        int to = Math.min(n, from + BATCH);
                        List<int[]> prompts = new ArrayList<>();
                        for (int i = from; i < to; i++) prompts.add(model.tokenize(problems.get(i).prompt(), true));
                        e.setCapture(CaptureSpec.of(layers, List.of(-1)));
                        RunResult r = e.run(prompts);
                        for (int l = 0; l < nLayer; l++)
                            for (int i = from; i < to; i++) x[l][0][i] = r.row(l, i - from);
                        List<Integer> steps = new ArrayList<>();
                        for (int k = 1; k <= STEPS; k++) steps.add(k);
                        e.setCapture(new CaptureSpec(layers, List.of(), false, steps));
                        Generation g = e.generate(prompts, GenerationOptions.greedy(STEPS + 2));
                        // one row block per generated step, each holding the prompts in order (RunResult's layout)
                        for (int l = 0; l < nLayer; l++)
                            for (int k = 1; k <= STEPS; k++) {
                                java.nio.FloatBuffer block = g.captured().rows(l, k - 1);
                                for (int i = from; i < to; i++) {
                                    x[l][k][i] = new float[d];
                                    block.get((i - from) * d, x[l][k][i]);
                                }
                            }
                    }
                }
                System.out.println(m + ": first operation read out linearly (nearest centroid, 5-fold CV), " + n + " problems");
                StringBuilder head = new StringBuilder(String.format("%-8s", "block"));
                head.append(String.format("%7s", "-1"));
                for (int k = 1; k <= STEPS; k++) head.append(String.format("%7s", "g" + k));
                System.out.println(head);
                for (int l = 0; l < nLayer; l++) {
                    StringBuilder row = new StringBuilder(String.format("%-8d", l));
                    for (int p = 0; p <= STEPS; p++) {
                        double accuracy = CentroidProbe.crossValidatedAccuracy(x[l][p], labels, Operation.values().length, 5);
                        row.append(String.format(Locale.ROOT, "%6.1f%%", 100 * accuracy));
                    }
                    System.out.println(row);
                }
            }
        }
    }
}
