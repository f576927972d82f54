package dev.codexbridge.observe;

import org.jspecify.annotations.Nullable;

/**
 * One reconnect of a client, from the lost connection to the end of the background resumes
 * after it (or to giving up). Called on the library's pool threads. {@link #NONE} records nothing.
 */
public interface ReconnectTelemetry {
    ReconnectTelemetry NONE = new ReconnectTelemetry() {
        @Override
        public void attemptFailed(int attempt, Throwable error) {
        }

        @Override
        public void reopened(int attempts, int generation, int resumes) {
        }

        @Override
        public ResumeTelemetry startResume() {
            return ResumeTelemetry.NONE;
        }

        @Override
        public void resumed(int failed) {
        }

        @Override
        public void gaveUp(int attempts, Throwable error) {
        }
    };

    /** An attempt to reopen failed; another follows. */
    void attemptFailed(int attempt, Throwable error);

    /** The connection is open again ({@code generation}), after {@code attempts} attempts; {@code resumes} follow. */
    void reopened(int attempts, int generation, int resumes);

    /** A background resume (a session reopening its thread) starts; its span is a child of the reconnect's. */
    ResumeTelemetry startResume();

    /** Every resume ended, {@code failed} of them with an error: the reconnect's span ends. */
    void resumed(int failed);

    /** The reconnect ended without a connection: every attempt failed, or the new one closed at once. */
    void gaveUp(int attempts, Throwable error);

    /** One background resume. */
    interface ResumeTelemetry {
        ResumeTelemetry NONE = new ResumeTelemetry() {
            @Override
            public AutoCloseable makeCurrent() {
                return () -> {
                };
            }

            @Override
            public void end(@Nullable Throwable error) {
            }
        };

        /**
         * Makes the resume's span current on the calling thread until the returned scope closes,
         * so the {@code thread/resume} sent meanwhile carries it to codex.
         */
        AutoCloseable makeCurrent();

        /** The resume ended; {@code error} is null when it succeeded. */
        void end(@Nullable Throwable error);
    }
}
