package dev.llmaccel.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;

/**
 * One HTTP request and its response, written blocking on the handler's thread: the body read
 * (within the size limit) and parsed, JSON or server-sent events written, and what the request
 * log and metrics report (status, tokens).
 */
final class Exchange {
    static final ObjectMapper JSON = new ObjectMapper();

    final Request request;
    final Response response;
    private final long maxBodyBytes;
    int status = 200;
    int promptTokens;
    int completionTokens;

    Exchange(Request request, Response response, long maxBodyBytes) {
        this.request = request;
        this.response = response;
        this.maxBodyBytes = maxBodyBytes;
    }

    /**
     * Bytes of an oversized body read and dropped before the 413 is sent. Clients write the whole
     * body before they read, and closing a connection with unread input resets it, so the client
     * would see a broken connection instead of the 413; past this much, the connection is dropped.
     */
    private static final long DISCARD_LIMIT = 16L << 20;

    /** The body as a JSON object: 413 over the size limit, 400 when it is not a JSON object. */
    ObjectNode jsonBody() throws IOException {
        long declared = request.getLength();
        ByteArrayOutputStream body = new ByteArrayOutputStream(declared > 0 && declared <= maxBodyBytes ? (int) declared : 256);
        byte[] chunk = new byte[8192];
        try (InputStream in = Request.asInputStream(request)) {
            if (declared > maxBodyBytes) {
                throw tooLarge(in, chunk);
            }
            for (int n; (n = in.read(chunk)) > 0; ) {
                if (body.size() + (long) n > maxBodyBytes) {
                    throw tooLarge(in, chunk);
                }
                body.write(chunk, 0, n);
            }
        }
        JsonNode node;
        try {
            node = JSON.readTree(body.toByteArray());
        } catch (JsonProcessingException e) {
            throw ApiException.invalid(null, "the body is not valid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw ApiException.invalid(null, "the body must be a JSON object");
        }
        return (ObjectNode) node;
    }

    private ApiException tooLarge(InputStream in, byte[] chunk) throws IOException {
        long dropped = 0;
        for (int n; dropped < DISCARD_LIMIT && (n = in.read(chunk)) > 0; ) {
            dropped += n;
        }
        return new ApiException(413, "invalid_request_error", null, "request_too_large",
                "the request body is larger than this server's limit of " + maxBodyBytes + " bytes");
    }

    /** Writes a whole JSON response. */
    void json(int status, JsonNode body) throws IOException {
        this.status = status;
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        Content.Sink.write(response, true, ByteBuffer.wrap(JSON.writeValueAsBytes(body)));
    }

    /** Writes a whole plain-text response. */
    void text(int status, String contentType, byte[] body) throws IOException {
        this.status = status;
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        Content.Sink.write(response, true, ByteBuffer.wrap(body));
    }

    /** Writes OpenAI's error object with the exception's status. */
    void error(ApiException e) throws IOException {
        if (e.status == 401) {
            response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer");
        }
        json(e.status, e.body());
    }

    /** Starts a server-sent event stream (status 200, nothing written yet). */
    void startEvents() {
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
    }

    /** Sends events already framed as {@code data: ...\n\n}; blocks until written, fails when the client has gone. */
    void events(CharSequence frames, boolean last) throws IOException {
        Content.Sink.write(response, last, ByteBuffer.wrap(frames.toString().getBytes(StandardCharsets.UTF_8)));
    }
}
