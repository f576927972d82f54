package dev.codexbridge.springai;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * What the test class path holds of the libraries a Spring AI application brings. Nothing in the
 * build pins them, so it is what an application of the module's Spring AI generation resolves.
 */
final class ApplicationClassPath {
    private ApplicationClassPath() {
    }

    /** The version of networknt's json-schema-validator on the class path; null when there is none. */
    static String jsonSchemaValidatorVersion() throws IOException {
        try (InputStream in = ApplicationClassPath.class.getResourceAsStream(
                "/META-INF/maven/com.networknt/json-schema-validator/pom.properties")) {
            if (in == null) {
                return null;
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        }
    }
}
