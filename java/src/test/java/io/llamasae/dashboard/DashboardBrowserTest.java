package io.llamasae.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llamasae.SharedData;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real browser: Debian's headless Chromium, driven through its chromedriver by
 * Selenium, opens the dashboard {@code analyze} wrote from file://, filters the index, opens a feature
 * page, finds the highlighted tokens and logit tables in the DOM, checks from DevTools' network events
 * that nothing was requested outside file://, times a 16 × 512-feature index, and saves screenshots to
 * {@code java/target/dashboard-screenshots/}.
 *
 * <p>Needs {@code /usr/bin/chromium} and {@code /usr/bin/chromedriver} (packages chromium and
 * chromium-driver; {@code .ci/run} installs them) or {@code -Dllama.sae.chromium=...} /
 * {@code -Dllama.sae.chromedriver=...}. Without them the test FAILS; {@code -Dllama.sae.skipBrowser=true}
 * skips it explicitly.
 */
class DashboardBrowserTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path SHOTS = Path.of("target", "dashboard-screenshots");

    @TempDir
    static Path dir;
    static Path report;
    static ChromeDriver driver;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeFalse(Boolean.getBoolean("llama.sae.skipBrowser"), "skipped: -Dllama.sae.skipBrowser=true");
        File chromium = new File(System.getProperty("llama.sae.chromium", "/usr/bin/chromium"));
        File chromedriver = new File(System.getProperty("llama.sae.chromedriver", "/usr/bin/chromedriver"));
        if (!chromium.canExecute() || !chromedriver.canExecute()) {
            fail("the dashboard's browser test needs Chromium and its driver (" + chromium + ", " + chromedriver + "): "
                    + "apt-get install -y chromium chromium-driver, or skip it with -Dllama.sae.skipBrowser=true");
        }
        SharedData.requireNatives();
        report = DashboardFixtures.analyze(dir, 160, "sound");
        Files.createDirectories(SHOTS);

        ChromeOptions o = new ChromeOptions();
        o.setBinary(chromium);
        o.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--window-size=1280,1400",
                "--user-data-dir=" + Files.createDirectories(dir.resolve("chromium-profile")));
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.PERFORMANCE, java.util.logging.Level.ALL);   // DevTools Network.* events: every request the page makes
        o.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(chromedriver).usingAnyFreePort().build();
        driver = new ChromeDriver(service, o);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
    }

    @AfterAll
    static void stop() {
        if (driver != null) driver.quit();
    }

    static void open(Path page, String suffix) {
        driver.get(page.toUri() + suffix);
        new WebDriverWait(driver, Duration.ofSeconds(20)).until(d -> "true".equals(d.findElement(By.tagName("body")).getAttribute("data-rendered")));
    }

    static void screenshot(String name) throws Exception {
        byte[] png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
        Files.write(SHOTS.resolve(name), png);
    }

    /** The whole page: the window grows to the document's height for the shot, then shrinks back. */
    static void fullPageScreenshot(String name) throws Exception {
        long h = ((Number) driver.executeScript("return document.documentElement.scrollHeight;")).longValue();
        driver.manage().window().setSize(new org.openqa.selenium.Dimension(1280, (int) Math.min(6000, h + 40)));
        screenshot(name);
        driver.manage().window().setSize(new org.openqa.selenium.Dimension(1280, 1400));
    }

    /** Every request since the last call, from DevTools' Network.requestWillBeSent events: [document URL, requested URL]. */
    static List<String[]> requests() throws Exception {
        List<String[]> out = new ArrayList<>();
        for (LogEntry e : driver.manage().logs().get(LogType.PERFORMANCE)) {
            JsonNode m = JSON.readTree(e.getMessage()).path("message");
            if (m.path("method").asText().equals("Network.requestWillBeSent")) {
                out.add(new String[] {m.path("params").path("documentURL").asText(), m.path("params").path("request").path("url").asText()});
            }
        }
        return out;
    }

    static List<WebElement> rows() {
        return driver.findElements(By.cssSelector("#rows tr"));
    }

    @Test
    void indexFiltersAndAFeaturePageShowsContextsAndLogitsWithNothingFetchedFromTheNetwork() throws Exception {
        Path dash = report.resolve("dashboard");
        open(dash.resolve("index.html"), "");
        int all = rows().size();
        JsonNode section = JSON.readTree(dash.resolve("data/layer1_pos-1/section.json").toFile());
        assertEquals(section.get("rows").size(), all, "every live feature listed");
        screenshot("index.png");

        // token search: the peak token shared by the fewest features, so the filter has something to drop
        Map<String, Integer> byToken = new LinkedHashMap<>();
        for (JsonNode r : section.get("rows")) {
            java.util.Set<String> mine = new java.util.HashSet<>();
            for (JsonNode t : r.get(8)) if (!t.asText().isBlank() && !t.asText().contains("\n")) mine.add(t.asText().trim().toLowerCase());
            mine.forEach(t -> byToken.merge(t, 1, Integer::sum));
        }
        String token = byToken.entrySet().stream().min(Map.Entry.comparingByValue()).orElseThrow().getKey();
        int expected = byToken.get(token);
        WebElement tok = driver.findElement(By.id("f-token"));
        tok.sendKeys("\"" + token + "\"");
        List<WebElement> hits = rows();
        assertEquals(expected, hits.size(), "token filter '" + token + "' keeps the features peaking on it");
        assertTrue(hits.size() < all, "and drops the others");
        for (WebElement r : hits) {
            boolean has = r.findElements(By.cssSelector("td .chip")).stream().anyMatch(c -> c.getText().trim().equalsIgnoreCase(token));
            assertTrue(has, "row " + r.getAttribute("data-feature") + " peaks on '" + token + "'");
        }
        screenshot("index-token-filter.png");
        tok.clear();
        tok.sendKeys(" ");
        driver.executeScript("arguments[0].value=''; arguments[0].dispatchEvent(new Event('input'));", tok);
        assertEquals(all, rows().size());

        // frequency filter: at most 50 %
        driver.findElement(By.id("f-fmax")).sendKeys("50");
        for (WebElement r : rows()) {
            String freq = r.findElements(By.tagName("td")).get(4).getText().replace("%", "").trim();
            assertTrue(Double.parseDouble(freq) <= 50.0, "frequency filter: " + freq);
        }
        driver.executeScript("var e=document.getElementById('f-fmax'); e.value=''; e.dispatchEvent(new Event('input'));");

        // sorting by frequency, descending after one click on its header (numbers, not text)
        driver.findElement(By.cssSelector("th[data-key=freq]")).click();
        List<Double> freqs = new ArrayList<>();
        for (WebElement r : rows().subList(0, Math.min(20, rows().size()))) {
            freqs.add(Double.parseDouble(r.findElements(By.tagName("td")).get(4).getText().replace("%", "").trim()));
        }
        for (int i = 1; i < freqs.size(); i++) assertTrue(freqs.get(i - 1) >= freqs.get(i), "sorted by frequency: " + freqs);

        // open the most frequent feature's page through its link
        WebElement link = rows().get(0).findElement(By.cssSelector("td a"));
        String feature = link.getText();
        link.click();
        new WebDriverWait(driver, Duration.ofSeconds(20)).until(d -> "true".equals(d.findElement(By.tagName("body")).getAttribute("data-rendered")));
        assertTrue(driver.getCurrentUrl().startsWith("file://") && driver.getCurrentUrl().contains("f=" + feature));
        JsonNode doc = JSON.readTree(dash.resolve("data/layer1_pos-1/feature" + feature + ".json").toFile());
        List<WebElement> highlighted = driver.findElements(By.cssSelector("#contexts .tok.hl"));
        List<WebElement> anchors = driver.findElements(By.cssSelector("#contexts .tok.anchor"));
        assertEquals(doc.get("top_contexts").size(), anchors.size(), "one outlined anchor token per context");
        assertFalse(highlighted.isEmpty(), "highlighted tokens");
        JsonNode c0 = doc.get("top_contexts").get(0);
        assertEquals(c0.get("tokens").get(c0.get("anchor_index").asInt()).asText().replace("\n", "\u21b5").strip(), anchors.get(0).getText().strip());
        assertEquals((float) c0.get("activations").get(c0.get("anchor_index").asInt()).asDouble(),
                Float.parseFloat(anchors.get(0).getAttribute("data-act")), 0f, "the anchor carries the captured code");
        assertTrue(anchors.get(0).getAttribute("style").contains("background"), "the anchor is shaded");
        List<WebElement> promoted = driver.findElements(By.cssSelector("#logits-promoted tr[data-token-id]"));
        List<WebElement> suppressed = driver.findElements(By.cssSelector("#logits-suppressed tr[data-token-id]"));
        assertEquals(doc.get("logit_effects").get("promoted").size(), promoted.size());
        assertEquals(doc.get("logit_effects").get("suppressed").size(), suppressed.size());
        assertEquals(doc.get("logit_effects").get("promoted").get(0).get("id").asText(), promoted.get(0).getAttribute("data-token-id"));
        assertEquals(1, driver.findElements(By.cssSelector("#histogram svg")).size());
        assertFalse(driver.findElements(By.cssSelector("#histogram rect")).isEmpty(), "histogram bars");
        assertTrue(driver.findElement(By.id("provenance")).getText().contains("chain of thought"));
        fullPageScreenshot("feature.png");

        // an unknown feature gets a message, not a blank page
        driver.get(dash.resolve("feature.html").toUri() + "?s=layer1_pos-1&f=999999");
        new WebDriverWait(driver, Duration.ofSeconds(10)).until(d -> !d.findElements(By.cssSelector("#app .error")).isEmpty());

        List<String[]> reqs = requests();
        assertTrue(reqs.stream().anyMatch(r -> r[1].endsWith("index-data.js")), "the network log sees the page's own requests");
        assertTrue(reqs.stream().anyMatch(r -> r[1].matches(".*/data/layer1_pos-1/feature\\d+\\.js")), "and the feature's data script");
        for (String[] r : reqs) {
            // nothing anywhere went to the network; the dashboard's pages asked for file:// URLs only
            assertFalse(r[1].matches("(?i)(https?|wss?|ftp):.*"), "network request: " + r[1] + " from " + r[0]);
            if (r[0].startsWith("file:")) assertTrue(r[1].startsWith("file://") || r[1].startsWith("data:"), "requested outside file://: " + r[1]);
        }
        System.out.println("dashboard pages made " + reqs.stream().filter(r -> r[0].startsWith("file:")).count() + " requests, all file://");
    }

    @Test
    void anIndexOf16LayersBy512FeaturesRendersWellUnderASecond() throws Exception {
        Path dash = dir.resolve("big-dashboard");
        Random rnd = new Random(1);
        String[] types = {"general", "operation-specialized", "value-specialized", "sequence-specialized", "insufficient-evidence"};
        String[] toks = {"*", "+", "=", " 12", "-", "/", " apples", "\n", " of", " 3"};
        for (int layer = 0; layer < 16; layer++) {
            ObjectNode meta = JSON.createObjectNode().put("id", FeatureDashboard.sectionId(layer, -1)).put("layer", layer).put("position", -1)
                    .put("block", layer).put("live_features", 512).put("num_features", 512);
            ArrayNode rows = JSON.createArrayNode();
            for (int f = 0; f < 512; f++) {
                String t = types[rnd.nextInt(types.length)];
                ArrayNode r = rows.addArray().add(f).add(f + 1).add((float) Math.pow(rnd.nextDouble(), 3)).add((float) (10 * rnd.nextDouble()))
                        .add(t).add(t.equals("general") ? "general" : "multiplication→addition + number 12").add(t).add("mixed patterns");
                ArrayNode tk = r.addArray();
                for (int j = 0; j < 4; j++) tk.add(toks[rnd.nextInt(toks.length)]);
            }
            DashboardWriter.writeSection(dash, new FeatureDashboard.Section(meta.get("id").asText(), meta, Map.of(), rows));
        }
        DashboardWriter.writeSite(dash, "16 layers × 512 features (generated)");
        List<Double> times = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            open(dash.resolve("index.html"), i == 0 ? "" : "#r=" + i);
            driver.navigate().refresh();
            new WebDriverWait(driver, Duration.ofSeconds(20)).until(d -> "true".equals(d.findElement(By.tagName("body")).getAttribute("data-rendered")));
            Object t = ((JavascriptExecutor) driver).executeScript(
                    "var m = performance.getEntriesByName('llama-sae-rendered'); return m.length ? m[m.length - 1].startTime : -1;");
            times.add(((Number) t).doubleValue());
        }
        assertEquals(16 * 512 + "", driver.findElement(By.id("count")).getText().replaceAll(" of .*", "").trim(), "all rows counted");
        screenshot("index-16x512.png");
        List<Double> sorted = new ArrayList<>(times);
        sorted.sort(null);
        double median = sorted.get(sorted.size() / 2);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("ms_from_navigation_to_rendered", times);
        result.put("median_ms", median);
        result.put("index_data_bytes", Files.size(dash.resolve("index-data.js")));
        result.put("loadavg", Files.readString(Path.of("/proc/loadavg")).trim());
        Files.writeString(SHOTS.resolve("index-16x512-timing.json"), JSON.writeValueAsString(result));
        System.out.println("dashboard index, 16 x 512 features: " + result);
        assertTrue(median < 1000, "a 16 x 512 index must render well under a second; median " + median + " ms of " + times);
    }
}
