package dev.llmaccel.spark;

import dev.llmaccel.backend.CpuBackend;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.spark.SparkEnv;

/**
 * The models of this JVM (an executor, or the driver in local mode), each opened once, on first
 * use, and shared by every task that runs here: a task or a row never loads a model of its own.
 * A model is known by its key (kind, path and the options that shape it); a load that fails is
 * not remembered, so the next task (Spark's retry) tries again. Every model is closed when the
 * JVM shuts down (an executor stopping), after the work in progress on it has ended.
 */
final class ExecutorModels {
    private static final Logger LOG = Logger.getLogger("dev.llmaccel.spark");
    /** How long shutdown waits for work in progress on a model before closing it regardless. */
    private static final long CLOSE_WAIT_SECONDS = 30;

    /** Spark configuration key: threads of the CPU kernels per executor JVM (0: one per core). */
    static final String THREADS_CONF = "spark.llmaccel.threads";

    private static boolean threadsConfigured;  // guarded by ExecutorModels.class
    private static final Map<Key, Slot> SLOTS = new ConcurrentHashMap<>();
    private static final AtomicInteger LOADS = new AtomicInteger();

    static {
        Thread hook = new Thread(ExecutorModels::closeAll, "llmaccel-spark-close-models");
        try {
            Runtime.getRuntime().addShutdownHook(hook);
        } catch (IllegalStateException e) {
            // first used while the JVM shuts down: no hook closes its models, the exiting process frees them
        }
    }

    private ExecutorModels() {}

    /**
     * What tells models apart: what they are, where their file is, and every option fixed at
     * load time (as text, so that keys compare by value).
     */
    record Key(String kind, String path, String options) {}

    /** Opens a model; runs once per key and JVM (again only after a failure). */
    @FunctionalInterface
    interface Opener<M extends AutoCloseable> {
        M open() throws Exception;
    }

    /**
     * Runs work on the model of key, opening it first if this JVM has not. The model stays open
     * while work runs (shutdown waits for it).
     *
     * @throws IllegalStateException with the loader's message when the model cannot be opened, or
     *     when the JVM is shutting down
     */
    static <M extends AutoCloseable, R> R use(Key key, Class<M> type, Opener<M> opener, Function<M, R> work) {
        Slot slot = SLOTS.computeIfAbsent(key, k -> new Slot());
        slot.lock.readLock().lock();
        try {
            return work.apply(type.cast(slot.model(key, opener)));
        } finally {
            slot.lock.readLock().unlock();
        }
    }

    /**
     * Applies {@value #THREADS_CONF} from the executor's Spark configuration to the CPU kernels'
     * thread pool, once per JVM, before its first model opens. Unset or 0: one thread per core of
     * the host (the library's default).
     */
    private static synchronized void configureThreads() {
        if (threadsConfigured) {
            return;
        }
        threadsConfigured = true;
        SparkEnv env = SparkEnv.get();
        int threads = env == null ? 0 : env.conf().getInt(THREADS_CONF, 0);
        if (threads > 0) {
            CpuBackend.setThreads(threads);
            LOG.info(() -> "CPU kernels run on " + threads + " threads (" + THREADS_CONF + ")");
        }
    }

    /** Models opened by this JVM so far (the tests' load counter). */
    static int loads() {
        return LOADS.get();
    }

    /** Closes every model (waiting for the work on each); later use fails. Called at JVM shutdown. */
    static void closeAll() {
        for (Map.Entry<Key, Slot> e : SLOTS.entrySet()) {
            e.getValue().close(e.getKey());
        }
    }

    /** One key's model: opened under the write lock, used under the read lock. */
    private static final class Slot {
        final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
        private volatile AutoCloseable model;
        private volatile boolean closed;

        /** The model, opened now if it is not yet; the caller holds the read lock. */
        AutoCloseable model(Key key, Opener<?> opener) {
            AutoCloseable m = model;
            if (m != null) {
                return m;
            }
            synchronized (this) {
                if (closed) {
                    throw new IllegalStateException("llmaccel: the models of this JVM are closed (it is shutting down)");
                }
                if (model == null) {
                    configureThreads();
                    long start = System.nanoTime();
                    try {
                        model = opener.open();
                    } catch (Exception e) {
                        throw new IllegalStateException("llmaccel: cannot open the " + key.kind() + " model " + key.path()
                                + ": " + e.getMessage(), e);
                    }
                    LOADS.incrementAndGet();
                    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                    LOG.info(() -> "opened the " + key.kind() + " model " + key.path() + " in " + millis + " ms");
                }
                return model;
            }
        }

        void close(Key key) {
            boolean locked = false;
            try {
                locked = lock.writeLock().tryLock(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (!locked) {
                // a task still runs on it: closing now could free memory under its feet
                LOG.warning(() -> "not closing the " + key.kind() + " model " + key.path() + ": still in use after "
                        + CLOSE_WAIT_SECONDS + " s");
                return;
            }
            try {
                synchronized (this) {
                    closed = true;
                    if (model != null) {
                        model.close();
                        model = null;
                    }
                }
            } catch (Exception e) {
                LOG.log(Level.WARNING, "closing the " + key.kind() + " model " + key.path(), e);
            } finally {
                lock.writeLock().unlock();
            }
        }
    }
}
