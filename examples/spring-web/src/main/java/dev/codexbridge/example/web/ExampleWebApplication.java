package dev.codexbridge.example.web;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * An example host: a web page where a person talks to codex, watches a turn stream in, answers
 * codex's approval requests with buttons and reads the transcript. Offline by default: the real
 * codex runs against the test kit's scripted model ({@link OfflineModel}), so it needs no account.
 */
@SpringBootApplication
public class ExampleWebApplication {
    public static void main(String[] args) {
        SpringApplication.run(ExampleWebApplication.class, args);
    }
}
