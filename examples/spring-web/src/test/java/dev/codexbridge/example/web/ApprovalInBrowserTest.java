package dev.codexbridge.example.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import tools.jackson.databind.JsonNode;

/**
 * The example end to end in a real browser: Debian's chromium, headless, driven through
 * {@code /usr/bin/chromedriver} (given explicitly, so Selenium never looks for or downloads a
 * driver), against the app on a random port running the real codex offline. A person's turn: the
 * approval appears as buttons, Approve runs the command, its output and codex's reply show up; a
 * second message is denied and the reply says so. Screenshots go to
 * {@code target/screenshots/}.
 */
// its codex and model server end with the class: the context cache would keep them for the JVM
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ApprovalInBrowserTest {
    static final Path CHROMIUM = Path.of(System.getProperty("example.chromium", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getProperty("example.chromedriver", "/usr/bin/chromedriver"));
    private static final Duration TURN = Duration.ofMinutes(3);
    private static final Path SCREENSHOTS = Path.of("target", "screenshots");

    @LocalServerPort
    int port;

    private Path profile;
    private ChromeDriver browser;

    /** Every test here runs the real codex; {@code -DskipLiveTests=true} turns them off. */
    static void liveTestsOn() {
        Assumptions.assumeFalse(Boolean.getBoolean("codexbridge.skipLiveTests"), "live tests skipped by -DskipLiveTests");
    }

    @BeforeAll
    static void chromiumIsInstalled() {
        liveTestsOn();
        List<String> missing = Stream.of(CHROMIUM, CHROMEDRIVER).filter(p -> !Files.isExecutable(p)).map(Path::toString).toList();
        if (!missing.isEmpty()) {
            fail("The browser test needs Debian's chromium and its driver; not found: " + String.join(", ", missing)
                    + ". Install them with:\n"
                    + "    sudo apt-get update && sudo apt-get install -y chromium chromium-driver\n"
                    + "(.ci/run does this when they are missing; -Dexample.chromium=PATH -Dexample.chromedriver=PATH "
                    + "point the test elsewhere)");
        }
    }

    @BeforeEach
    void openBrowser() throws IOException {
        profile = Files.createTempDirectory("example-web-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // without these, chromium on a machine with no outside network hangs on its own updates and sync
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,1400", "--user-data-dir=" + profile);
        ChromeDriverService driver = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        browser = new ChromeDriver(driver, options);
    }

    @AfterEach
    void closeBrowser() throws IOException {
        if (browser != null) {
            try {
                screenshot("last-state");   // what the page showed when the test ended, passed or failed
            } finally {
                browser.quit();
            }
        }
        if (profile != null) {
            try (var files = Files.walk(profile)) {
                files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void anApprovalClickedInThePageRunsTheCommandAndTheAnswerIsShown() throws Exception {
        browser.get("http://localhost:" + port + "/");
        WebDriverWait wait = new WebDriverWait(browser, TURN);
        WebElement message = browser.findElement(By.id("message"));
        message.clear();
        message.sendKeys("Count the words of this message please");
        browser.findElement(By.id("send")).click();

        // codex asks: the command (shell wrapper included) with Approve / Deny
        awaitButtonOrError(wait, By.cssSelector(".approval button.approve"));
        WebElement approve = browser.findElement(By.cssSelector(".approval button.approve"));
        WebElement card = browser.findElement(By.cssSelector(".approval"));
        assertThat(card.getText()).contains("echo 'Count the words of this message please' | wc -w")
                .contains(OfflineModel.JUSTIFICATION);
        screenshot("approval-asked");
        approve.click();

        wait.until(ExpectedConditions.textToBe(By.id("status"), "turn completed"));
        assertThat(card.getText()).contains("Approved");
        assertThat(browser.findElement(By.id("progress")).getText())
                .contains("$ /bin/bash -c")
                .contains("command completed (exit 0):\n7");
        assertThat(browser.findElement(By.id("reply")).getText()).isEqualTo("The command ran and printed: 7");
        List<String> transcript = texts(By.cssSelector("#transcript li"));
        assertThat(transcript.get(0)).isEqualTo("user Count the words of this message please");
        assertThat(transcript).anySatisfy(line -> assertThat(line).startsWith("tool").contains("7"));
        assertThat(transcript.get(transcript.size() - 1)).isEqualTo("assistant The command ran and printed: 7");
        screenshot("approved-and-answered");

        // the same conversation: this time the person says no, and codex's reply says the command did not run
        message.clear();
        message.sendKeys("Please count these too");
        wait.until(ExpectedConditions.elementToBeClickable(By.id("send"))).click();
        awaitButtonOrError(wait, By.cssSelector(".approval:not(.answered) button.deny"));
        WebElement deny = browser.findElement(By.cssSelector(".approval:not(.answered) button.deny"));
        deny.click();
        wait.until(ExpectedConditions.textToBe(By.id("status"), "turn completed"));
        assertThat(browser.findElement(By.id("reply")).getText()).startsWith("You declined the command, so I did not count the words.")
                .contains("rejected");
        assertThat(texts(By.cssSelector(".approval .outcome"))).containsExactly("Approved", "Denied");
        assertThat(texts(By.cssSelector("#transcript li"))).filteredOn(line -> line.startsWith("user "))
                .containsExactly("user Count the words of this message please", "user Please count these too");
        screenshot("denied-and-answered");

        // both turns completed (the denied one too: codex went on without the command), counted by the starter
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            JsonNode completed = ActuatorOverHttpTest.get(port, "/actuator/metrics/codex.bridge.turns.completed?tag=status:completed");
            assertThat(completed.path("measurements").path(0).path("value").asDouble()).isEqualTo(2.0);
        });
    }

    /** Waits for the button, or for the page to report an error, which then fails the test with the page's words. */
    private void awaitButtonOrError(WebDriverWait wait, By button) {
        wait.until(ExpectedConditions.or(ExpectedConditions.elementToBeClickable(button),
                ExpectedConditions.textMatches(By.id("status"), Pattern.compile("^(error|turn failed|turn (?!completed)).*"))));
        assertThat(browser.findElement(By.id("status")).getText()).as("the page's status line").isEqualTo("waiting for your approval");
    }

    private List<String> texts(By selector) {
        return browser.findElements(selector).stream().map(WebElement::getText).toList();
    }

    private void screenshot(String name) throws IOException {
        Files.createDirectories(SCREENSHOTS);
        Path shot = browser.getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(shot, SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }
}
