package dev.codexbridge.rpc;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Any bytes, delivered in any chunking, through the stdio line framer and the message classifier:
 * nothing but a message or a {@link MalformedMessageException} comes out, no line exceeds the cap,
 * and an encoded message classifies back to itself.
 */
class RpcFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void lineFramerAndClassifier(FuzzedDataProvider data) throws IOException {
        int max = data.consumeInt(1, 4096);
        int chunk = data.consumeInt(1, 64);
        byte[] bytes = data.consumeRemainingAsBytes();
        ByteArrayInputStream raw = new ByteArrayInputStream(bytes);
        InputStream chunked = new InputStream() {
            @Override
            public int read() {
                return raw.read();
            }

            @Override
            public int read(byte[] b, int off, int len) {
                return raw.read(b, off, Math.min(len, chunk));
            }
        };
        LineFramer reader = new LineFramer(chunked, max);
        int n;
        int lines = 0;
        while ((n = reader.next(() -> { })) != MessageSource.END) {
            if (++lines > bytes.length + 1) {
                throw new AssertionError("more lines than bytes");
            }
            if (n == MessageSource.OVERSIZED) {
                continue;
            }
            if (n < 0 || n > max) {
                throw new AssertionError("line of " + n + " bytes with a cap of " + max);
            }
            try {
                JsonRpcMessage m = MessageCodec.decode(reader.buffer(), reader.offset(), n);
                byte[] again = MessageCodec.encode(m);
                JsonRpcMessage back = MessageCodec.decode(again, 0, again.length);
                if (!back.getClass().equals(m.getClass())) {
                    throw new AssertionError("re-encoding changed the kind: " + m + " -> " + back);
                }
            } catch (MalformedMessageException expected) {
                // counted and skipped by the peer
            }
        }
    }
}
