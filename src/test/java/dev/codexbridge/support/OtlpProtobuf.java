package dev.codexbridge.support;

import dev.codexbridge.support.OtlpReceiver.ReceivedSpan;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Reads the spans of an OTLP {@code ExportTraceServiceRequest} in binary protobuf, by the field
 * numbers of opentelemetry-proto's trace and common messages: just what {@link ReceivedSpan}
 * holds, every other field skipped by its wire type.
 */
final class OtlpProtobuf {
    private final ByteBuffer in;

    private OtlpProtobuf(byte[] bytes, int from, int length) {
        this.in = ByteBuffer.wrap(bytes, from, length).slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    static List<ReceivedSpan> spans(byte[] body) {
        List<ReceivedSpan> spans = new ArrayList<>();
        OtlpProtobuf request = new OtlpProtobuf(body, 0, body.length);
        while (request.more()) {
            int tag = request.tag();
            if (tag >>> 3 == 1) { // resource_spans
                request.resourceSpans(request.message(), spans);
            } else {
                request.skip(tag);
            }
        }
        return spans;
    }

    /** The spans in a request (resource_spans = 1, scope_spans = 2, spans = 2), none decoded. */
    static long countSpans(byte[] body) {
        long n = 0;
        OtlpProtobuf request = new OtlpProtobuf(body, 0, body.length);
        while (request.more()) {
            int tag = request.tag();
            if (tag >>> 3 != 1) {
                request.skip(tag);
                continue;
            }
            OtlpProtobuf resource = request.message();
            while (resource.more()) {
                int t = resource.tag();
                if (t >>> 3 != 2) {
                    resource.skip(t);
                    continue;
                }
                OtlpProtobuf scope = resource.message();
                while (scope.more()) {
                    int s = scope.tag();
                    if (s >>> 3 == 2) {
                        n++;
                    }
                    scope.skip(s);
                }
            }
        }
        return n;
    }

    private void resourceSpans(OtlpProtobuf r, List<ReceivedSpan> spans) {
        String service = "";
        List<OtlpProtobuf> scopes = new ArrayList<>();
        while (r.more()) {
            int tag = r.tag();
            switch (tag >>> 3) {
                case 1 -> { // resource { attributes = 1 }
                    OtlpProtobuf resource = r.message();
                    while (resource.more()) {
                        int t = resource.tag();
                        if (t >>> 3 == 1) {
                            String[] kv = resource.message().keyValue();
                            if (kv[0].equals("service.name")) {
                                service = kv[1];
                            }
                        } else {
                            resource.skip(t);
                        }
                    }
                }
                case 2 -> scopes.add(r.message()); // scope_spans
                default -> r.skip(tag);
            }
        }
        for (OtlpProtobuf scope : scopes) {
            while (scope.more()) {
                int tag = scope.tag();
                if (tag >>> 3 == 2) { // spans
                    spans.add(scope.message().span(service));
                } else {
                    scope.skip(tag);
                }
            }
        }
    }

    private ReceivedSpan span(String service) {
        String traceId = "";
        String spanId = "";
        String parent = "";
        String name = "";
        Map<String, String> attributes = new HashMap<>();
        while (more()) {
            int tag = tag();
            switch (tag >>> 3) {
                case 1 -> traceId = HexFormat.of().formatHex(bytes());
                case 2 -> spanId = HexFormat.of().formatHex(bytes());
                case 4 -> parent = HexFormat.of().formatHex(bytes());
                case 5 -> name = new String(bytes(), StandardCharsets.UTF_8);
                case 9 -> {
                    String[] kv = message().keyValue();
                    attributes.put(kv[0], kv[1]);
                }
                default -> skip(tag);
            }
        }
        return new ReceivedSpan(name, traceId, spanId, parent, attributes, service);
    }

    /** A KeyValue: its key and its value as text (strings, booleans, integers, doubles). */
    private String[] keyValue() {
        String key = "";
        String value = "";
        while (more()) {
            int tag = tag();
            if (tag >>> 3 == 1) {
                key = new String(bytes(), StandardCharsets.UTF_8);
            } else if (tag >>> 3 == 2) {
                OtlpProtobuf any = message();
                while (any.more()) {
                    int t = any.tag();
                    switch (t >>> 3) {
                        case 1 -> value = new String(any.bytes(), StandardCharsets.UTF_8);
                        case 2 -> value = Boolean.toString(any.varint() != 0);
                        case 3 -> value = Long.toString(any.varint());
                        case 4 -> value = Double.toString(Double.longBitsToDouble(any.in.getLong()));
                        default -> any.skip(t);
                    }
                }
            } else {
                skip(tag);
            }
        }
        return new String[] {key, value};
    }

    private boolean more() {
        return in.hasRemaining();
    }

    private int tag() {
        return (int) varint();
    }

    private long varint() {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = in.get();
            value |= (long) (b & 0x7f) << shift;
            if (b >= 0) {
                return value;
            }
        }
        throw new IllegalArgumentException("varint too long");
    }

    private byte[] bytes() {
        byte[] b = new byte[(int) varint()];
        in.get(b);
        return b;
    }

    private OtlpProtobuf message() {
        int length = (int) varint();
        OtlpProtobuf m = new OtlpProtobuf(in.array(), in.arrayOffset() + in.position(), length);
        in.position(in.position() + length);
        return m;
    }

    private void skip(int tag) {
        switch (tag & 7) {
            case 0 -> varint();
            case 1 -> in.position(in.position() + 8);
            case 2 -> {
                int length = (int) varint(); // read before the position is taken: it moves it
                in.position(in.position() + length);
            }
            case 5 -> in.position(in.position() + 4);
            default -> throw new IllegalArgumentException("wire type " + (tag & 7));
        }
    }
}
