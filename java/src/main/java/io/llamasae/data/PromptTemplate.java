package io.llamasae.data;

/**
 * Builds the model prompt from a question. The template contains {@code {question}} once;
 * the default is {@value #DEFAULT} (the GSM8K few-shot-free format, position 3 of which is the
 * reference study's probe position). Plain-text datasets use each line verbatim unless a template
 * is given explicitly.
 */
public record PromptTemplate(String template) {
    public static final String DEFAULT = "Question: {question}\nAnswer:";
    public static final String PLACEHOLDER = "{question}";

    public PromptTemplate {
        if (template == null || !template.contains(PLACEHOLDER)) {
            throw new IllegalArgumentException("prompt template: expected text containing " + PLACEHOLDER + " but found "
                    + (template == null ? "null" : "'" + template + "'"));
        }
    }

    public static PromptTemplate defaultTemplate() {
        return new PromptTemplate(DEFAULT);
    }

    public String render(String question) {
        return template.replace(PLACEHOLDER, question);
    }
}
