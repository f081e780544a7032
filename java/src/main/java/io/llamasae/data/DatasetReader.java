package io.llamasae.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads GSM8K jsonl, chain-of-thought jsonl and plain-text datasets into {@link Sample}s.
 *
 * <p>Detection (first non-empty line): not JSON → {@link DatasetFormat#TEXT}; JSON with {@code cot}
 * → {@link DatasetFormat#COT}; JSON with {@code question} and {@code answer} → {@link DatasetFormat#GSM8K}.
 * A malformed line throws {@link DatasetException} naming file:line and the field, unless
 * {@link Options#skipBad()} is set, in which case it is counted in {@link Dataset#skippedLines()}.
 * Equations that do not parse never disappear silently: they stay in {@link Sample#unparsedEquations()}
 * and in {@link Dataset#unparsedEquations()}. A JSON line may carry the model's input verbatim in an
 * optional {@code prompt} field (then no template is applied): e.g. the question plus the start of
 * its chain of thought, as the demo's study reads it.
 */
public final class DatasetReader {
    private static final Pattern ANNOTATION = Pattern.compile("<<([^<>]*)>>");
    private static final Pattern FINAL_ANSWER = Pattern.compile("####\\s*(.*)\\s*$", Pattern.DOTALL);
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param format   forced format, or null to detect
     * @param skipBad  skip (and report) malformed lines instead of failing
     * @param template prompt template, or null: {@link PromptTemplate#DEFAULT} for jsonl, the line verbatim for text
     */
    public record Options(DatasetFormat format, boolean skipBad, PromptTemplate template) {
        public static Options defaults() {
            return new Options(null, false, null);
        }

        public Options withFormat(DatasetFormat f) {
            return new Options(f, skipBad, template);
        }

        public Options withSkipBad(boolean s) {
            return new Options(format, s, template);
        }

        public Options withTemplate(PromptTemplate t) {
            return new Options(format, skipBad, t);
        }
    }

    private DatasetReader() {
    }

    public static Dataset read(Path file) {
        return read(file, Options.defaults());
    }

    public static Dataset read(Path file, Options options) {
        List<String> lines = readLines(file);
        DatasetFormat format = options.format() != null ? options.format() : detect(file, lines, options.skipBad());
        String stem = stem(file);
        List<Sample> samples = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        List<String> unparsed = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            int lineNo = i + 1;
            try {
                Sample s = switch (format) {
                    case TEXT -> textSample(stem, samples.size(), line, options.template());
                    case GSM8K -> gsm8kSample(file, lineNo, stem, samples.size(), line, options.template(), unparsed);
                    case COT -> cotSample(file, lineNo, stem, samples.size(), line, options.template(), unparsed);
                };
                samples.add(s);
            } catch (DatasetException e) {
                if (!options.skipBad()) {
                    throw e;
                }
                skipped.add(e.getMessage());
            }
        }
        if (samples.isEmpty()) {
            throw new DatasetException(file, 0, "no usable samples: all " + skipped.size() + " lines were malformed (first: "
                    + (skipped.isEmpty() ? "-" : skipped.get(0)) + ")");
        }
        return new Dataset(file, format, samples, skipped, unparsed);
    }

    /**
     * The file's lines as UTF-8 (a leading byte-order mark dropped). Refuses a path that is not a
     * regular file (a named pipe would block forever) and bytes that are not UTF-8, naming the line.
     */
    static List<String> readLines(Path file) {
        try {
            io.llamasae.io.InputFiles.requireRegularFile(file, "dataset");
        } catch (IOException e) {
            throw new DatasetException(file, 0, e.getMessage().substring(file.toString().length() + 2));
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new DatasetException(file, 0, "dataset: expected an existing file but found nothing there");
        } catch (IOException e) {
            throw new DatasetException(file, 0, "dataset: expected a readable file but reading failed: " + e.getMessage(), e);
        }
        java.nio.charset.CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(bytes);
        java.nio.CharBuffer out = java.nio.CharBuffer.allocate(bytes.length + 1);
        java.nio.charset.CoderResult cr = dec.decode(in, out, true);
        if (cr.isError()) {
            int at = in.position();
            int line = 1;
            for (int i = 0; i < at; i++) if (bytes[i] == '\n') line++;
            throw new DatasetException(file, line, "text: expected UTF-8 but found invalid UTF-8 (byte 0x"
                    + String.format("%02x", bytes[at] & 0xff) + " at file offset " + at + ")");
        }
        dec.flush(out);
        out.flip();
        String text = out.toString();
        if (text.startsWith("\uFEFF")) text = text.substring(1);  // a BOM is an encoding mark, not content
        return text.lines().toList();
    }

    /**
     * Detects the format from the first non-empty line, or with {@code skipBad} from the first one
     * that detects (malformed lines before it are skipped later like any other).
     */
    static DatasetFormat detect(Path file, List<String> lines, boolean skipBad) {
        DatasetException firstError = null;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) continue;
            try {
                return detect(file, i + 1, lines.get(i));
            } catch (DatasetException e) {
                if (!skipBad) throw e;
                if (firstError == null) firstError = e;
            }
        }
        if (firstError != null) {
            throw new DatasetException(file, 0, "no usable samples: no line has a detectable format (first: " + firstError.getMessage() + ")");
        }
        throw new DatasetException(file, 0, "empty dataset: expected at least one non-empty line");
    }

    /** Detects the format from one line (1-based {@code lineNo} for messages). */
    public static DatasetFormat detect(Path file, int lineNo, String line) {
        String t = line.trim();
        if (!t.startsWith("{")) {
            return DatasetFormat.TEXT;
        }
        JsonNode node = parseJson(file, lineNo, t);
        if (node.has("cot")) {
            return DatasetFormat.COT;
        }
        if (node.has("question") && node.has("answer")) {
            return DatasetFormat.GSM8K;
        }
        throw new DatasetException(file, lineNo, "cannot detect format: expected a JSON object with 'question' and 'answer' "
                + "(GSM8K) or 'cot' (chain-of-thought) but found keys " + fieldNames(node) + "; use --format text for plain prompts");
    }

    private static Sample textSample(String stem, int index, String line, PromptTemplate template) {
        // Kept verbatim: leading spaces change tokens (a BPE tokenizer gives " Hello" and "Hello"
        // different ids); only the line break is gone.
        String q = line;
        String prompt = template == null ? q : template.render(q);
        return new Sample(stem + "_" + index, prompt, q, List.of(), "", "", List.of());
    }

    private static Sample gsm8kSample(Path file, int lineNo, String stem, int index, String line, PromptTemplate template,
                                      List<String> unparsed) {
        JsonNode node = parseJson(file, lineNo, line);
        String question = requiredText(file, lineNo, node, "question");
        String answerText = requiredText(file, lineNo, node, "answer");
        Matcher fm = FINAL_ANSWER.matcher(answerText);
        if (!fm.find()) {
            throw new DatasetException(file, lineNo, "field 'answer': expected a final line '#### <number>' but found none");
        }
        String finalAnswer = fm.group(1).trim().replace(",", "");
        List<String> texts = new ArrayList<>();
        Matcher m = ANNOTATION.matcher(answerText);
        while (m.find()) {
            texts.add(m.group(1).trim());
        }
        return build(file, lineNo, id(node, stem, index), question, prompt(file, lineNo, node), texts, finalAnswer, template, unparsed);
    }

    private static Sample cotSample(Path file, int lineNo, String stem, int index, String line, PromptTemplate template,
                                    List<String> unparsed) {
        JsonNode node = parseJson(file, lineNo, line);
        String question = requiredText(file, lineNo, node, "question");
        JsonNode cot = node.get("cot");
        List<String> texts = new ArrayList<>();
        if (cot == null || cot.isNull()) {
            throw new DatasetException(file, lineNo, "field 'cot': expected a string \"a | b\" or a list of equations but it is missing");
        } else if (cot.isTextual()) {
            for (String part : cot.asText().split("\\|")) {
                if (!part.isBlank()) {
                    texts.add(part.trim());
                }
            }
        } else if (cot.isArray()) {
            for (JsonNode el : cot) {
                if (!el.isTextual()) {
                    throw new DatasetException(file, lineNo, "field 'cot': expected a list of strings but found element " + el);
                }
                texts.add(el.asText().trim());
            }
        } else {
            throw new DatasetException(file, lineNo, "field 'cot': expected a string or a list but found " + cot.getNodeType()
                    .name().toLowerCase(Locale.ROOT));
        }
        JsonNode ans = node.get("answer");
        String answer = ans == null || ans.isNull() ? "" : ans.isValueNode() ? ans.asText().trim() : null;
        if (answer == null) {
            throw new DatasetException(file, lineNo, "field 'answer': expected a number or string but found " + ans);
        }
        return build(file, lineNo, id(node, stem, index), question, prompt(file, lineNo, node), texts, answer, template, unparsed);
    }

    /** The optional {@code prompt} field: the model's input verbatim (no template), or null when absent. */
    private static String prompt(Path file, int lineNo, JsonNode node) {
        return node.has("prompt") ? requiredText(file, lineNo, node, "prompt") : null;
    }

    private static Sample build(Path file, int lineNo, String id, String question, String prompt, List<String> texts, String answer,
                                PromptTemplate template, List<String> unparsed) {
        List<Equation> eqs = new ArrayList<>();
        List<String> bad = new ArrayList<>();
        for (String t : texts) {
            try {
                eqs.add(EquationParser.parse(t));
            } catch (EquationParseException e) {
                bad.add(t);
                unparsed.add(file + ":" + lineNo + ": equation '" + t + "': " + e.getMessage());
            }
        }
        PromptTemplate tpl = template == null ? PromptTemplate.defaultTemplate() : template;
        return new Sample(id, prompt != null ? prompt : tpl.render(question), question, eqs, answer, String.join(" | ", texts), bad);
    }

    private static String id(JsonNode node, String stem, int index) {
        for (String key : new String[]{"id", "problem_id"}) {
            JsonNode v = node.get(key);
            if (v != null && v.isValueNode() && !v.asText().isBlank()) {
                return v.asText();
            }
        }
        return stem + "_" + index;
    }

    private static JsonNode parseJson(Path file, int lineNo, String line) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new DatasetException(file, lineNo, "malformed JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new DatasetException(file, lineNo, "expected a JSON object per line but found "
                    + (node == null ? "nothing" : node.getNodeType().name().toLowerCase(Locale.ROOT)));
        }
        return node;
    }

    private static String requiredText(Path file, int lineNo, JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            throw new DatasetException(file, lineNo, "field '" + field + "': expected a string but found no such field (keys present: "
                    + fieldNames(node) + ")");
        }
        if (!v.isTextual()) {
            throw new DatasetException(file, lineNo, "field '" + field + "': expected a string but found "
                    + v.getNodeType().name().toLowerCase(Locale.ROOT));
        }
        if (v.asText().isBlank()) {
            throw new DatasetException(file, lineNo, "field '" + field + "': expected text but found an empty string");
        }
        return v.asText();
    }

    private static String fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names.toString();
    }

    private static String stem(Path file) {
        String name = file.getFileName().toString();
        int dot = name.indexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }
}
