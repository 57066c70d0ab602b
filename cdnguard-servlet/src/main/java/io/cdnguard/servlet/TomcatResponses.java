package io.cdnguard.servlet;

import jakarta.servlet.http.HttpServletResponse;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the filter reads the body bytes of Tomcat's own, unwrapped response, without depending on
 * Tomcat: by class name ({@value #FACADE}) and through method handles looked up once per response
 * class (a {@link ClassValue}, so one entry per Tomcat class loader).
 *
 * <p>{@code ResponseFacade.getContentWritten()} (public) counts the bytes written through the output
 * stream plus the <em>chars</em> written through the writer, before compression; it does not count a
 * body Tomcat sends with sendfile. Which of stream and writer the application used is read, when the
 * JVM lets us, from the facade's {@code response} field and that response's {@code usingWriter}
 * field (optional: without it, a writer cannot be told from a stream).
 *
 * <p>If {@code getContentWritten()} cannot be found or called, {@link #of(HttpServletResponse)}
 * answers {@code null} and the filter keeps wrapping the response under {@code auto}; that is logged
 * once per class, at INFO.
 *
 * <p>Implementation notes: {@link ClassValue#get(Class)} is lock-free and allocation-free once the
 * class's entry is computed; the handles are invoked with {@code invokeExact} on exact types (no
 * boxing, no varargs array). Nothing here throws into the caller: a failing call reads as "unknown".
 */
final class TomcatResponses {

    /** The class of Tomcat's own response object, the only one its default servlet sends with sendfile. */
    static final String FACADE = "org.apache.catalina.connector.ResponseFacade";

    /** The request attribute Tomcat's default servlet sets when the connector will send the file with sendfile. */
    static final String SENDFILE_FILENAME = "org.apache.tomcat.sendfile.filename";
    static final String SENDFILE_START = "org.apache.tomcat.sendfile.start";
    static final String SENDFILE_END = "org.apache.tomcat.sendfile.end";

    private static final Logger log = LoggerFactory.getLogger(TomcatResponses.class);

    private static final MethodType LONG_OF_RESPONSE = MethodType.methodType(long.class, HttpServletResponse.class);
    private static final MethodType BOOLEAN_OF_RESPONSE = MethodType.methodType(boolean.class, HttpServletResponse.class);

    /** Sentinel for "not Tomcat's response, or unusable". */
    private static final TomcatResponses NONE = new TomcatResponses(null, null);

    private static final ClassValue<TomcatResponses> BY_CLASS = new ClassValue<>() {
        @Override
        protected TomcatResponses computeValue(Class<?> type) {
            TomcatResponses t = lookUp(type);
            return t == null ? NONE : t;
        }
    };

    private final MethodHandle contentWritten;
    private final MethodHandle usingWriter;

    private TomcatResponses(MethodHandle contentWritten, MethodHandle usingWriter) {
        this.contentWritten = contentWritten;
        this.usingWriter = usingWriter;
    }

    /**
     * The access for this response's class, or {@code null} if it is not Tomcat's own response or
     * its byte count cannot be read. Allocation-free after the first call for a class; never throws.
     */
    static TomcatResponses of(HttpServletResponse response) {
        try {
            TomcatResponses t = BY_CLASS.get(response.getClass());
            return t == NONE ? null : t;
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
    }

    /** The access for {@code type}, looked up now, or {@code null} if not Tomcat's response or unusable. */
    static TomcatResponses lookUp(Class<?> type) {
        if (!FACADE.equals(type.getName())) {
            return null;
        }
        MethodHandle written;
        try {
            written = MethodHandles.publicLookup().findVirtual(type, "getContentWritten", MethodType.methodType(long.class))
                    .asType(LONG_OF_RESPONSE);
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.info("cdnguard: {} has no usable getContentWritten() ({}); wrap-response=auto wraps Tomcat's response "
                    + "(large static files lose sendfile)", type.getName(), e.toString());
            return null;
        }
        MethodHandle writer = null;
        try {
            Field field = type.getDeclaredField("response");
            Class<?> responseType = field.getType();
            MethodHandle facadeResponse = MethodHandles.privateLookupIn(type, MethodHandles.lookup())
                    .findGetter(type, "response", responseType);
            MethodHandle responseUsingWriter = MethodHandles.privateLookupIn(responseType, MethodHandles.lookup())
                    .findGetter(responseType, "usingWriter", boolean.class);
            writer = MethodHandles.filterArguments(responseUsingWriter, 0, facadeResponse).asType(BOOLEAN_OF_RESPONSE);
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.debug("cdnguard: cannot read {}'s usingWriter ({}): a body written through its writer in a "
                    + "multi-byte charset without Content-Length counts as unknown, so does one through its stream",
                    type.getName(), e.toString());
        }
        log.debug("cdnguard: reading body bytes from {}.getContentWritten() (writer detection: {})", type.getName(),
                writer != null);
        return new TomcatResponses(written, writer);
    }

    /** Whether this access can tell the writer from the stream ({@link #usedWriter}). */
    boolean readsWriterUse() {
        return usingWriter != null;
    }

    /** Stream bytes plus writer chars written since the last reset, or -1 if the call failed. */
    long contentWritten(HttpServletResponse response) {
        try {
            return (long) contentWritten.invokeExact(response);
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable t) {
            return -1;
        }
    }

    /**
     * 0 if the application wrote through the output stream (or not at all), 1 if through the writer,
     * -1 if that cannot be known.
     */
    int usedWriter(HttpServletResponse response) {
        if (usingWriter == null) {
            return -1;
        }
        try {
            return (boolean) usingWriter.invokeExact(response) ? 1 : 0;
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable t) {
            return -1;
        }
    }
}
