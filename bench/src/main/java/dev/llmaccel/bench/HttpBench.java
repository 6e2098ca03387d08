package dev.llmaccel.bench;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.backend.CpuBackend;
import dev.llmaccel.backend.SamplingParams;
import dev.llmaccel.format.gguf.GgufFile;
import dev.llmaccel.generation.GenerationOptions;
import dev.llmaccel.model.llama.LlamaModel;
import dev.llmaccel.server.OpenAiServer;
import dev.llmaccel.server.ServerOptions;
import dev.llmaccel.serving.Completion;
import dev.llmaccel.serving.CompletionRequest;
import dev.llmaccel.serving.Engine;
import dev.llmaccel.serving.EngineConfig;
import dev.llmaccel.serving.EngineStats;
import dev.llmaccel.serving.TokenListener;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tokenizer.Tokenizer;
import dev.llmaccel.tokenizer.Tokenizers;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * The OpenAI server's overhead: the same load run on the serving engine in-process and over HTTP
 * (the server in the same JVM, clients on loopback), in the same run, so that each HTTP figure is
 * a ratio to the engine's. N clients (N = 1, 8, 32) each send {@code rounds} requests one after
 * another: {@code POST /v1/completions} with a distinct random prompt of {@code prompt} token ids,
 * greedy, the end token banned ({@code logit_bias} -100), {@code max_tokens = gen}; streamed
 * (server-sent events, with the usage chunk) and whole. In-process, the same requests go through
 * {@link Engine#submit} with a listener that counts tokens and {@code join}. Per mode it prints
 * requests/s and aggregate generated tokens/s (all requests' tokens over the wall time from the
 * first request to the last answer), for streams the median time to the first byte and the
 * chunks per request (the server coalesces tokens that are ready together).
 *
 * <p>The modes run interleaved (engine, streamed, whole; then again) {@code passes} times after a
 * warm-up of each, so that the host's other load disturbs them alike; the table gives every pass's
 * ratio and the median. The clients share the two cores with the engine: {@code client=socket}
 * (default) reads each response with one blocking socket per client thread and a minimal HTTP/1.1
 * reader, the cheapest client there is; {@code client=jdk} uses {@code java.net.http.HttpClient}.
 *
 * <p>{@code java -cp bench/target/benchmarks.jar dev.llmaccel.bench.HttpBench [shape=smollm2-135m]
 * [type=Q8_0] [n=1,8,32] [prompt=128] [gen=128] [threads=2] [passes=3] [rounds=1] [client=socket]}
 */
public final class HttpBench {
    private HttpBench() {}

    /** How the requests are sent. */
    enum Mode {
        ENGINE("engine in-process"), STREAM("HTTP streamed"), WHOLE("HTTP whole");

        final String label;

        Mode(String label) {
            this.label = label;
        }
    }

    /** What one pass of one mode measured. */
    record Pass(Mode mode, int n, int requests, long tokens, long nanos, double ttftMedianMs, double chunksPerRequest,
            double stepMs, double busy) {
        double requestsPerSecond() {
            return requests * 1e9 / nanos;
        }

        double tokensPerSecond() {
            return tokens * 1e9 / nanos;
        }
    }

    /** One request's outcome as a client saw it. */
    record Answer(int completionTokens, long firstByteNanos, int chunks) {}

    public static void main(String[] args) throws Exception {
        Map<String, String> p = BenchArgs.parse(Map.of("shape", "smollm2-135m", "type", "Q8_0", "n", "1,8,32", "prompt", "128",
                "gen", "128", "threads", "2", "passes", "3", "rounds", "1", "client", "socket"), args);
        int prompt = Integer.parseInt(p.get("prompt"));
        int gen = Integer.parseInt(p.get("gen"));
        int passes = Integer.parseInt(p.get("passes"));
        int rounds = Integer.parseInt(p.get("rounds"));
        String client = p.get("client");
        if (!client.equals("socket") && !client.equals("jdk")) {
            throw new IllegalArgumentException("client is socket or jdk, got " + client);
        }
        CpuBackend.setThreads(Integer.parseInt(p.get("threads")));
        int[] ns = Arrays.stream(p.get("n").split(",")).mapToInt(Integer::parseInt).toArray();
        String shape = p.get("shape");
        String type = p.get("type");
        Path file = BenchModels.file(shape, DType.valueOf(type));
        System.out.println("# " + ZonedDateTime.now() + ", " + DecodeReport.cpuModel() + ", "
                + Runtime.getRuntime().availableProcessors() + " cpus, " + CpuBackend.describe());
        System.out.printf(Locale.ROOT, "# quiet probe: the same busy loop on 2 threads took %.2fx its time on 1 (1.0 = both cores free)%n",
                DecodeReport.busyProbe());
        try (Backend backend = Backends.cpu(); GgufFile gguf = GgufFile.open(file);
             LlamaModel model = LlamaModel.fromGguf(gguf, backend)) {
            Tokenizer tokenizer = Tokenizers.fromGguf(gguf);
            System.out.printf(Locale.ROOT, "%n## %s %s (%s), prompt %d, generated %d, %d threads, %d request(s) per client,"
                    + " %s client%n", shape, type, file, prompt, gen, CpuBackend.threads(), rounds, client);
            System.out.println("| N | mode | requests/s | aggregate tok/s | × engine (median) | × engine per pass"
                    + " | TTFB p50 ms | events/request | step ms | engine busy |");
            System.out.println("|---:|---|---:|---:|---:|---|---:|---:|---:|---:|");
            for (int n : ns) {
                int requests = n * rounds;
                EngineConfig config = EngineConfig.defaults().withMaxRunningSequences(n).withMaxQueuedRequests(requests)
                        .withKvCacheTokens(n * (prompt + gen + 16)).withContextSize(prompt + gen + 16)
                        .withStepTokens(Math.max(512, n)).withPrefixCaching(false);
                try (Engine engine = Engine.start(model, tokenizer, null, config);
                     OpenAiServer server = OpenAiServer.start(engine, "bench", null, ServerOptions.defaults().withPort(0), null)) {
                    Load load = new Load(engine, server, client, n, rounds, prompt, gen);
                    Map<Mode, List<Pass>> byMode = new HashMap<>();
                    for (int i = -1; i < passes; i++) {  // pass -1 warms up: the JIT compiles every path first
                        for (Mode mode : Mode.values()) {
                            Pass pass = load.run(mode, new Random(1000L * n + 10L * i + mode.ordinal()));
                            if (i >= 0) {
                                byMode.computeIfAbsent(mode, m -> new ArrayList<>()).add(pass);
                            }
                        }
                    }
                    load.close();
                    print(byMode);
                }
            }
        }
    }

    private static void print(Map<Mode, List<Pass>> byMode) {
        List<Pass> engine = byMode.get(Mode.ENGINE);
        for (Mode mode : Mode.values()) {
            List<Pass> passes = byMode.get(mode);
            double[] ratios = new double[passes.size()];
            for (int i = 0; i < ratios.length; i++) {
                ratios[i] = passes.get(i).tokensPerSecond() / engine.get(i).tokensPerSecond();
            }
            Pass first = passes.get(0);
            System.out.printf(Locale.ROOT, "| %d | %s | %.2f | %.1f | %s | %s | %s | %s | %.2f | %.2f |%n", first.n(), mode.label,
                    median(passes.stream().mapToDouble(Pass::requestsPerSecond).toArray()),
                    median(passes.stream().mapToDouble(Pass::tokensPerSecond).toArray()),
                    mode == Mode.ENGINE ? "1" : String.format(Locale.ROOT, "%.3f", median(ratios)),
                    mode == Mode.ENGINE ? "" : Arrays.stream(ratios).mapToObj(r -> String.format(Locale.ROOT, "%.3f", r))
                            .collect(Collectors.joining(" ")),
                    mode == Mode.STREAM ? String.format(Locale.ROOT, "%.1f",
                            median(passes.stream().mapToDouble(Pass::ttftMedianMs).toArray())) : "",
                    mode == Mode.STREAM ? String.format(Locale.ROOT, "%.1f",
                            median(passes.stream().mapToDouble(Pass::chunksPerRequest).toArray())) : "",
                    median(passes.stream().mapToDouble(Pass::stepMs).toArray()),
                    median(passes.stream().mapToDouble(Pass::busy).toArray()));
        }
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** N client threads sending the same kind of requests in each mode. */
    private static final class Load {
        private final Engine engine;
        private final int port;
        private final int n;
        private final int rounds;
        private final int prompt;
        private final int gen;
        private final int vocab;
        private final int eos;
        private final ExecutorService clients;
        private final HttpClient jdk;  // null with the socket client
        private final URI uri;

        Load(Engine engine, OpenAiServer server, String client, int n, int rounds, int prompt, int gen) {
            this.engine = engine;
            this.port = server.port();
            this.n = n;
            this.rounds = rounds;
            this.prompt = prompt;
            this.gen = gen;
            this.vocab = engine.tokenizer().vocabSize();
            this.eos = engine.tokenizer().eosId();
            this.clients = Executors.newFixedThreadPool(n);
            this.jdk = client.equals("jdk") ? HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .executor(Executors.newFixedThreadPool(2)).build() : null;
            this.uri = server.baseUri().resolve("/v1/completions");
        }

        Pass run(Mode mode, Random r) throws Exception {
            int[][] prompts = new int[n * rounds][];
            for (int i = 0; i < prompts.length; i++) {
                prompts[i] = r.ints(prompt, 3, vocab).toArray();
            }
            List<Future<List<Answer>>> futures = new ArrayList<>();
            EngineStats before = engine.stats();
            long start = System.nanoTime();
            for (int c = 0; c < n; c++) {
                int client = c;
                futures.add(clients.submit(() -> {
                    List<Answer> answers = new ArrayList<>();
                    try (Connection connection = mode == Mode.ENGINE || jdk != null ? null : new Connection(port)) {
                        for (int k = 0; k < rounds; k++) {
                            int[] tokens = prompts[client * rounds + k];
                            answers.add(switch (mode) {
                                case ENGINE -> inProcess(tokens);
                                case STREAM, WHOLE -> jdk != null ? viaJdk(body(tokens, mode == Mode.STREAM), start)
                                        : connection.post(body(tokens, mode == Mode.STREAM), start);
                            });
                        }
                    }
                    return answers;
                }));
            }
            List<Answer> answers = new ArrayList<>();
            for (var f : futures) {
                answers.addAll(f.get());
            }
            long nanos = System.nanoTime() - start;
            EngineStats after = engine.stats();
            long steps = after.steps() - before.steps();
            long stepNanos = after.stepNanos() - before.stepNanos();
            long tokens = 0;
            long chunks = 0;
            double[] firstBytes = new double[answers.size()];
            for (int i = 0; i < answers.size(); i++) {
                Answer a = answers.get(i);
                if (a.completionTokens() != gen) {
                    throw new IllegalStateException(mode + ": a request generated " + a.completionTokens() + " tokens, not " + gen);
                }
                tokens += a.completionTokens();
                chunks += a.chunks();
                firstBytes[i] = (a.firstByteNanos() - start) / 1e6;
            }
            return new Pass(mode, n, answers.size(), tokens, nanos, median(firstBytes), (double) chunks / answers.size(),
                    stepNanos / 1e6 / Math.max(1, steps), (double) stepNanos / nanos);
        }

        void close() {
            clients.shutdownNow();
            if (jdk != null) {
                jdk.executor().ifPresent(e -> ((ExecutorService) e).shutdownNow());
            }
        }

        private Answer inProcess(int[] tokens) {
            SamplingParams greedy = SamplingParams.greedy().withLogitBias(Map.of(eos, -100f));
            AtomicInteger count = new AtomicInteger();
            Completion c = engine.submit(CompletionRequest.ofTokens(tokens, GenerationOptions.greedy(gen).withSampling(greedy)),
                    new TokenListener() {
                        @Override
                        public void onToken(int token, String text) {
                            count.incrementAndGet();
                        }
                    }).join();
            return new Answer(c.usage().completionTokens(), System.nanoTime(), count.get());
        }

        private String body(int[] tokens, boolean stream) {
            StringBuilder b = new StringBuilder(tokens.length * 6 + 200).append("{\"model\":\"bench\",\"prompt\":[");
            for (int i = 0; i < tokens.length; i++) {
                b.append(i == 0 ? "" : ",").append(tokens[i]);
            }
            b.append("],\"max_tokens\":").append(gen).append(",\"temperature\":0,\"logit_bias\":{\"").append(eos)
                    .append("\":-100}");
            if (stream) {
                b.append(",\"stream\":true,\"stream_options\":{\"include_usage\":true}");
            }
            return b.append('}').toString();
        }

        private Answer viaJdk(String body, long start) throws IOException, InterruptedException {
            HttpRequest request = HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            HttpResponse<InputStream> response = jdk.send(request, HttpResponse.BodyHandlers.ofInputStream());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            long first = 0;
            int reads = 0;
            try (InputStream in = response.body()) {
                byte[] buffer = new byte[16384];
                for (int k; (k = in.read(buffer)) > 0; reads++) {
                    if (first == 0) {
                        first = System.nanoTime();
                    }
                    out.write(buffer, 0, k);
                }
            }
            if (response.statusCode() != 200) {
                throw new IllegalStateException("HTTP " + response.statusCode() + ": " + out);
            }
            return answer(out.toString(StandardCharsets.UTF_8), first);
        }
    }

    /** What the client needs from a body: the usage's completion tokens, and the events in a stream. */
    static Answer answer(String body, long firstByteNanos) {
        String key = "\"completion_tokens\":";
        int at = body.lastIndexOf(key);
        if (at < 0) {
            throw new IllegalStateException("no usage in the answer: " + body);
        }
        int end = at + key.length();
        while (end < body.length() && Character.isDigit(body.charAt(end))) {
            end++;
        }
        int chunks = 0;
        for (int i = body.indexOf("data: {"); i >= 0; i = body.indexOf("data: {", i + 1)) {
            chunks++;
        }
        return new Answer(Integer.parseInt(body.substring(at + key.length(), end)), firstByteNanos, chunks);
    }

    /**
     * One keep-alive HTTP/1.1 connection with a blocking socket: writes a POST, reads the status
     * line, the headers and a body of Content-Length or chunked transfer coding (all the server
     * sends). The cheapest client: one thread, one read call per arriving segment.
     */
    static final class Connection implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;

        Connection(int port) throws IOException {
            socket = new Socket(InetAddress.getLoopbackAddress(), port);
            socket.setTcpNoDelay(true);
            in = new BufferedInputStream(socket.getInputStream(), 65536);
            out = socket.getOutputStream();
        }

        Answer post(String body, long start) throws IOException {
            byte[] content = body.getBytes(StandardCharsets.UTF_8);
            String head = "POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + content.length + "\r\n\r\n";
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(content);
            out.flush();
            String status = line();
            long first = System.nanoTime();
            long length = -1;
            boolean chunked = false;
            for (String h = line(); !h.isEmpty(); h = line()) {
                String lower = h.toLowerCase(Locale.ROOT);
                if (lower.startsWith("content-length:")) {
                    length = Long.parseLong(lower.substring("content-length:".length()).trim());
                } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                    chunked = true;
                }
            }
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            if (chunked) {
                for (int size; (size = Integer.parseInt(line().split(";", 2)[0].trim(), 16)) > 0; ) {
                    received.write(in.readNBytes(size));
                    line();
                }
                for (String trailer = line(); !trailer.isEmpty(); trailer = line()) {
                    // no trailers are expected; read past any
                }
            } else if (length >= 0) {
                received.write(in.readNBytes((int) length));
            } else {
                throw new IOException("a response with neither Content-Length nor chunked coding: " + status);
            }
            if (!status.startsWith("HTTP/1.1 200")) {
                throw new IllegalStateException(status + ": " + received);
            }
            return answer(received.toString(StandardCharsets.UTF_8), first);
        }

        /** One CRLF-terminated line, without the CRLF. */
        private String line() throws IOException {
            StringBuilder b = new StringBuilder();
            for (int c; (c = in.read()) != '\n'; ) {
                if (c < 0) {
                    throw new IOException("the server closed the connection");
                }
                if (c != '\r') {
                    b.append((char) c);
                }
            }
            return b.toString();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
