package dev.llmaccel.server;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A request the server answers with an error in OpenAI's shape,
 * {@code {"error":{"message","type","param","code"}}}, and an HTTP status.
 */
final class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    final int status;
    final String type;
    final String param;
    final String code;

    ApiException(int status, String type, String param, String code, String message) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    /** A 400 for a request that is malformed or asks for what cannot be done; param names the field. */
    static ApiException invalid(String param, String message) {
        return new ApiException(400, "invalid_request_error", param, null, message);
    }

    /** The body OpenAI's clients read: {"error":{"message","type","param","code"}}, absent fields as null. */
    ObjectNode body() {
        ObjectNode body = Exchange.JSON.createObjectNode();
        ObjectNode error = body.putObject("error");
        error.put("message", getMessage());
        error.put("type", type);
        error.put("param", param);
        error.put("code", code);
        return body;
    }

    static ApiException notFound(String code, String message) {
        return new ApiException(404, "invalid_request_error", null, code, message);
    }
}
