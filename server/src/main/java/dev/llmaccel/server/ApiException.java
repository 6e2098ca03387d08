package dev.llmaccel.server;

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

    static ApiException notFound(String code, String message) {
        return new ApiException(404, "invalid_request_error", null, code, message);
    }
}
