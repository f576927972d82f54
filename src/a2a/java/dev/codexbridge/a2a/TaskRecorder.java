package dev.codexbridge.a2a;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** Where a task this replica runs writes its changes for the other replicas ({@link SharedTasks}). */
interface TaskRecorder {
    /** A task's change as recorded: its revision (a count of its changes), state and A2A JSON. */
    record Revision(long number, String state, ObjectNode task) {
    }

    /** The task changed; called under its monitor, so it only queues the write. */
    void changed(A2aTask task);

    /** Writes the task as it is now, before this call returns. */
    void flush(A2aTask task);
}
